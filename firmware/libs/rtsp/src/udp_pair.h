/* The RTP/RTCP port pair of a UDP track (RFC 3550 §11: RTP on an even port, RTCP on the next
 * one), shared by the server's adapter (its server_port) and the client's (its client_port). */
#ifndef RTSP_UDP_PAIR_H
#define RTSP_UDP_PAIR_H

#include <sys/socket.h>

/* Binds two UDP sockets at `local`'s address (its port is ignored), the first on an even port the
 * system picks, the second on the port after it. fds[] are blocking and unconnected; ports[]
 * their numbers. 0, ERR_EIO (no socket or address), ERR_EBUSY (no free pair found). */
int rtsp_udp_pair_bind(const struct sockaddr_storage *local, socklen_t local_len, int fds[2], int ports[2]);

#endif
