/* nettests: Keel's socket conformance tests, run as PID 1 on Linux (the referee, with
 * tools/linux-referee.sh --with-net) and on Keel. Each group is a t_*.c included below; the
 * groups that depend on the address run over 127.0.0.1 and over 10.0.2.15 (the primary
 * address: loopback through the interface's own address on Keel, the NIC's address on Linux).
 *
 *   nettests [GROUP...]    groups: errno opts tcp poll udp load unix (default: all)
 *
 * unix (AF_UNIX) needs no network, but netup() still runs first; on a Linux host that is not
 * the referee VM it reconfigures eth0, so run it there in a network namespace of its own
 * (unshare -n nettests unix).
 */
#include "nettests.h"

#include "t_errno.c"
#include "t_load.c"
#include "t_opts.c"
#include "t_poll.c"
#include "t_tcp.c"
#include "t_udp.c"
#include "t_unix.c"

struct group {
	const char *name;
	void (*run)(void);
	int per_address;
};

static const struct group groups[] = {
	{ "errno", t_errno, 0 }, { "opts", t_opts, 0 }, { "tcp", t_tcp, 1 },
	{ "poll", t_poll, 1 },	 { "udp", t_udp, 1 },	{ "load", t_load, 1 },
	{ "unix", t_unix, 0 },
};

static int wanted(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	kt_init();
	int eth = netup();
	const char *addrs[2] = { "127.0.0.1", "10.0.2.15" };
	int naddrs = eth ? 2 : 1;
	printf("info: nettests on %s, addresses: 127.0.0.1%s\n",
	       netup_is_keel() ? "Keel" : "Linux", eth ? ", 10.0.2.15" : "");
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		if (!wanted(argc, argv, groups[g].name))
			continue;
		for (int i = 0; i < (groups[g].per_address ? naddrs : 1); i++) {
			cur_addr = addrs[i];
			long t0 = now_ms();
			groups[g].run();
			printf("info: group %s@%s took %ld ms\n", groups[g].name, cur_addr,
			       now_ms() - t0);
		}
	}
	kt_finish();
}
