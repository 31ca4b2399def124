/* netup.h: bring the network up the same way on both kernels before a network test.
 *
 * On Keel the kernel configures itself (10.0.2.15/24 via 10.0.2.2 and 127.0.0.1/8 on one
 * interface), so this does nothing there. On Linux (the referee) nothing runs before PID 1:
 * `lo` is down, and the virtio-net driver is modules that tools/linux-referee.sh --with-net
 * appends to the initrd with their load order in /lib/modules/keel-net-modules. netup() loads
 * them (finit_module), brings `lo` up and gives eth0 QEMU's static user-network address
 * 10.0.2.15/24 with a default route via 10.0.2.2, using the classic ioctls (no netlink).
 * Returns 1 if eth0 (10.0.2.15) is usable, 0 if only loopback is.
 */
#ifndef NETUP_H
#define NETUP_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static int netup_is_keel(void)
{
	struct utsname u;
	return uname(&u) == 0 && strstr(u.release, "keel") != NULL;
}

static void netup_sin(struct sockaddr *sa, const char *ip)
{
	struct sockaddr_in *s = (struct sockaddr_in *)sa;
	memset(s, 0, sizeof *s);
	s->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &s->sin_addr);
}

static int netup_if(int fd, const char *name, const char *ip, const char *mask)
{
	struct ifreq r;
	memset(&r, 0, sizeof r);
	strncpy(r.ifr_name, name, IFNAMSIZ - 1);
	if (ip) {
		netup_sin(&r.ifr_addr, ip);
		if (ioctl(fd, SIOCSIFADDR, &r) < 0)
			return -1;
		netup_sin(&r.ifr_netmask, mask);
		if (ioctl(fd, SIOCSIFNETMASK, &r) < 0)
			return -1;
	}
	if (ioctl(fd, SIOCGIFFLAGS, &r) < 0)
		return -1;
	r.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(fd, SIOCSIFFLAGS, &r);
}

static int netup(void)
{
	if (netup_is_keel())
		return 1;
	/* The list is in a plausible order, but the dependencies decide: a module whose
	 * symbols are not there yet (ENOENT) is tried again after the others, until a pass
	 * loads nothing new. */
	char mods[16][256];
	int nmods = 0, loaded[16] = { 0 };
	FILE *list = fopen("/lib/modules/keel-net-modules", "r");
	while (list && nmods < 16 && fgets(mods[nmods], sizeof mods[0], list)) {
		mods[nmods][strcspn(mods[nmods], "\n")] = 0;
		nmods++;
	}
	if (list)
		fclose(list);
	for (int progress = 1; progress;) {
		progress = 0;
		for (int i = 0; i < nmods; i++) {
			if (loaded[i])
				continue;
			int m = open(mods[i], O_RDONLY | O_CLOEXEC);
			if (m >= 0 && (syscall(SYS_finit_module, m, "", 0) == 0 || errno == EEXIST))
				loaded[i] = progress = 1;
			if (m >= 0)
				close(m);
		}
	}
	for (int i = 0; i < nmods; i++)
		if (!loaded[i])
			printf("info: netup: %s did not load\n", mods[i]);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	netup_if(fd, "lo", NULL, NULL);
	int eth = netup_if(fd, "eth0", "10.0.2.15", "255.255.255.0") == 0;
	if (eth) {
		struct rtentry rt;
		memset(&rt, 0, sizeof rt);
		netup_sin(&rt.rt_dst, "0.0.0.0");
		netup_sin(&rt.rt_genmask, "0.0.0.0");
		netup_sin(&rt.rt_gateway, "10.0.2.2");
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		if (ioctl(fd, SIOCADDRT, &rt) < 0)
			printf("info: netup: default route: %s\n", strerror(errno));
	} else {
		printf("info: netup: no eth0 (%s): loopback only\n", strerror(errno));
	}
	close(fd);
	return eth;
}

#endif
