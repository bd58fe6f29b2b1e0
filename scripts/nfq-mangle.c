/*
 * nfq-mangle: a capture-making tool for scripts/record-captures.sh (not part of the package).
 *
 * This kernel has no netem, so segments are reordered, duplicated and dropped by this NFQUEUE program, placed
 * behind an iptables rule inside a network namespace of the recording script:
 *
 *   iptables -A OUTPUT -p tcp --sport 21 -m mark ! --mark 7 -j NFQUEUE --queue-num 0
 *   nfq-mangle 0
 *
 * Every queued IPv4 packet that carries TCP payload is counted; by its count n (a fixed cycle, so a run is
 * reproducible apart from timing):
 *   n % 6 == 1  held back and released after the next packet (reorder), or after 40 ms if none comes;
 *   n % 6 == 3  accepted and sent a second time through a raw socket (duplicate; the copy is marked 7 so it
 *               bypasses the queue);
 *   n % 6 == 5  dropped (TCP retransmits it; the capture sees a hole, then the retransmission).
 * Packets without payload (handshake, pure ACKs, FIN) are accepted at once.
 *
 * Build: gcc -O2 -o nfq-mangle scripts/nfq-mangle.c -lnetfilter_queue   (apt: libnetfilter-queue-dev)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BYPASS_MARK 7
#define HOLD_TIMEOUT_MS 40

static struct nfq_q_handle *queue;
static int raw_socket = -1;
static uint32_t held_id;
static int holding;
static unsigned long payload_count;
static volatile sig_atomic_t stopping;

static void on_signal(int signo) {
	(void)signo;
	stopping = 1;
}

/* TCP payload length of an IPv4 packet, or -1 when it is not IPv4/TCP. */
static int tcp_payload_length(const unsigned char *packet, int length) {
	if (length < 20 || (packet[0] >> 4) != 4 || packet[9] != IPPROTO_TCP) return -1;
	int ip_header = (packet[0] & 0x0f) * 4;
	int total = (packet[2] << 8) | packet[3];
	if (total > length) total = length;
	if (total < ip_header + 20) return -1;
	int tcp_header = (packet[ip_header + 12] >> 4) * 4;
	return total - ip_header - tcp_header;
}

static void release_held(void) {
	if (!holding) return;
	nfq_set_verdict(queue, held_id, NF_ACCEPT, 0, NULL);
	holding = 0;
}

static void send_copy(const unsigned char *packet, int length) {
	struct sockaddr_in destination;
	memset(&destination, 0, sizeof destination);
	destination.sin_family = AF_INET;
	memcpy(&destination.sin_addr, packet + 16, 4);
	if (sendto(raw_socket, packet, (size_t)length, 0, (struct sockaddr *)&destination, sizeof destination) < 0)
		perror("nfq-mangle: sendto (duplicate)");
}

static int on_packet(struct nfq_q_handle *q, struct nfgenmsg *message, struct nfq_data *data, void *context) {
	(void)message;
	(void)context;
	struct nfqnl_msg_packet_hdr *header = nfq_get_msg_packet_hdr(data);
	uint32_t id = header ? ntohl(header->packet_id) : 0;
	unsigned char *packet = NULL;
	int length = nfq_get_payload(data, &packet);
	int payload = length > 0 ? tcp_payload_length(packet, length) : -1;
	if (payload <= 0) {
		nfq_set_verdict(q, id, NF_ACCEPT, 0, NULL);
		return 0;
	}
	payload_count++;
	switch (payload_count % 6) {
	case 1:
		release_held();
		held_id = id;
		holding = 1;
		fprintf(stderr, "nfq-mangle: #%lu hold (%d bytes)\n", payload_count, payload);
		return 0;
	case 3:
		nfq_set_verdict(q, id, NF_ACCEPT, 0, NULL);
		release_held();
		send_copy(packet, length);
		fprintf(stderr, "nfq-mangle: #%lu duplicate (%d bytes)\n", payload_count, payload);
		return 0;
	case 5:
		nfq_set_verdict(q, id, NF_DROP, 0, NULL);
		fprintf(stderr, "nfq-mangle: #%lu drop (%d bytes)\n", payload_count, payload);
		return 0;
	default:
		nfq_set_verdict(q, id, NF_ACCEPT, 0, NULL);
		release_held();
		return 0;
	}
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: nfq-mangle QUEUE_NUMBER\n");
		return 2;
	}
	int queue_number = atoi(argv[1]);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	raw_socket = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	int mark = BYPASS_MARK;
	if (raw_socket < 0 || setsockopt(raw_socket, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) {
		perror("nfq-mangle: raw socket");
		return 1;
	}
	struct nfq_handle *handle = nfq_open();
	if (!handle) {
		perror("nfq-mangle: nfq_open");
		return 1;
	}
	queue = nfq_create_queue(handle, (uint16_t)queue_number, on_packet, NULL);
	if (!queue || nfq_set_mode(queue, NFQNL_COPY_PACKET, 0xffff) < 0) {
		perror("nfq-mangle: nfq_create_queue");
		return 1;
	}
	int fd = nfq_fd(handle);
	char buffer[65536 + 4096];
	fprintf(stderr, "nfq-mangle: queue %d ready\n", queue_number);
	while (!stopping) {
		struct pollfd poll_fd = {.fd = fd, .events = POLLIN};
		int ready = poll(&poll_fd, 1, HOLD_TIMEOUT_MS);
		if (ready < 0) {
			if (errno == EINTR) continue;
			perror("nfq-mangle: poll");
			break;
		}
		if (ready == 0) {
			release_held();
			continue;
		}
		ssize_t received = recv(fd, buffer, sizeof buffer, 0);
		if (received < 0) {
			if (errno == EINTR || errno == ENOBUFS) continue;
			perror("nfq-mangle: recv");
			break;
		}
		nfq_handle_packet(handle, buffer, (int)received);
	}
	release_held();
	nfq_destroy_queue(queue);
	nfq_close(handle);
	fprintf(stderr, "nfq-mangle: %lu payload packets seen\n", payload_count);
	return 0;
}
