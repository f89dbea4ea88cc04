package busybox

import "strings"

// absent are the applets of the reference busybox (applets-full.txt) this
// image does not have, each with why. Running one fails as any missing
// command does ("sh: x: not found", 127). TestAppletsAccounted keeps the
// two lists complete, and the README lists both.
var absent = func() map[string]string {
	reasons := map[string]string{}
	for reason, names := range map[string]string{
		"needs a kernel the pod does not have: modules, devices, mounts, file systems, namespaces, consoles, power": `acpid adjtimex blkdiscard blockdev chroot chvt deallocvt depmod devmem dmesg dumpkmap fatattr fdisk findfs
			freeramdisk fsfreeze fstrim halt hwclock i2cdetect i2cdump i2cget i2cset i2ctransfer init insmod ionice linuxrc
			loadfont loadkmap losetup lsmod lsscsi mdev mkdosfs mke2fs mkfifo mknod mkswap modinfo modprobe mount mt nsenter
			nuke openvt partprobe pivot_root poweroff reboot renice resume rmmod run-init setkeycodes setpriv swapoff swapon
			switch_root sysctl taskset ubirename uevent umount unshare watchdog`,
		"configures network interfaces, routes, bridges or ARP, which the pod network does not expose": `arp arping brctl ifconfig ifdown ifup ip ipneigh nameif route tc tunctl vconfig`,
		"a daemon, login or terminal service that a container here does not run": `crond crontab cttyhack getty klogd login logread microcom nologin passwd su sulogin svc svok
			syslogd telnetd udhcpc udhcpd dumpleases start-stop-daemon`,
		"a package manager of another distribution":                                          `dpkg dpkg-deb rpm rpm2cpio`,
		"a compression format the Go standard library does not write or read":                `bzip2 lzcat lzma lzop unlzma unxz xz xzcat ar`,
		"not yet: an interpreter of its own language (awk, bc, dc, ed)":                      `awk bc dc ed`,
		"not yet: a full-screen terminal program":                                            `vi top watch clear reset stty`,
		"not yet: needs raw sockets or protocols the pod network does not carry":             `ping ping6 traceroute traceroute6 ftpget ftpput tftp rdate ssl_client telnet netstat`,
		"not yet: needs the container's mount table and file system sizes (it has no /proc)": `df`,
		"not yet": `ascii fallocate free hostid httpd ipcalc last link logger mim mkpasswd nproc patch run-parts uncompress uptime`,
	} {
		for _, name := range strings.Fields(names) {
			reasons[name] = reason
		}
	}
	return reasons
}()
