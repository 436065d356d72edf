# kjs_embed(<input file> <symbol> <output var>): turns a file into a C array at build time.
function(kjs_embed input symbol out_var)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${symbol}.c)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${input} -DOUT=${out} -DSYMBOL=${symbol} -P ${K230JS_TOP}/firmware/cmake/embed-file.cmake
    DEPENDS ${input} ${K230JS_TOP}/firmware/cmake/embed-file.cmake
    COMMENT "Embedding ${input}")
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
