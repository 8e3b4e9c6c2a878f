# The lab machine: the one place that defines its topology.
# Sourced by lab/qemu.sh (which builds the QEMU command line from it), by the
# image builder and by the scenarios (which check the guest against it).
#
# One QEMU process is the whole machine. Every OS instance (1stOS, 2ndOS, ...)
# runs inside it on its own CPUs; none of them is a VM of another.
#
#   CPUs     4 x86-64 cores (-cpu max, TCG), local APIC IDs 0-3; 0 is the BSP.
#   Memory   4 GiB: 2 GiB below the 4 GiB hole, 2 GiB above it (q35).
#   PCI      bus 0, fixed slots (the partition description names devices
#            by bus:device.function):
#     00:04.0  virtio-blk     root-a    root disk of odd-numbered OSes (1st, 3rd, ...)
#     00:05.0  virtio-blk     root-b    root disk of even-numbered OSes (2nd, 4th, ...)
#     00:06.0  virtio-blk     user      user data (ext4), mounted at /srv/orthros;
#                                       migrates with the ActiveOS
#     00:07.0  virtio-net     net-svc   service NIC 10.0.2.15/24; migrates with
#                                       the ActiveOS and its IP
#     00:08.0  virtio-net     net-bak   the BackupOS's own NIC 10.0.3.15/24
#     00:09.0  virtio-serial  ctl-a     control channel of odd-numbered OSes
#     00:0a.0  virtio-serial  ctl-b     control channel of even-numbered OSes
#     00:0b.0  nvme           spare     no namespace, no driver, in no partition
#                                       row (so the 1stOS's): unlike the virtio
#                                       functions on bus 0 it offers a Function
#                                       Level Reset, which a takeover then does
#   Consoles COM1..COM4 (8250, I/O 0x3f8 0x2f8 0x3e8 0x2e8): the NthOS writes
#            to COM((N-1) mod 4 + 1), each port to its own log file.
#   Host     each NIC is QEMU user networking, restricted to the forwards
#            below (loopback only); QMP on a unix socket.

LAB_CPU_MODEL=max
# A scenario may run a smaller machine (LAB_CPUS=2 in the environment).
LAB_CPUS=${LAB_CPUS:-4}
LAB_APIC_IDS=$(seq -s ' ' 0 $((LAB_CPUS - 1)))
LAB_MEM_MIB=4096

# One row per device, fields separated by blanks.
# name    slot  serial (= ext4 label)  image
LAB_DISKS="
root-a    04    orthros-root-a         root
root-b    05    orthros-root-b         root
user      06    orthros-user           user"

# name    slot  MAC                guest address  gateway   forwarded guest ports (TCP; udp:N for UDP)
LAB_NICS="
net-svc   07    52:54:00:0e:00:01  10.0.2.15/24   10.0.2.2  80,7000,udp:7001,7002,6379
net-bak   08    52:54:00:0e:00:02  10.0.3.15/24   10.0.3.2  80"

# name    slot  virtio-serial port name
LAB_CTLS="
ctl-a     09    org.orthros.ctl.a
ctl-b     0a    org.orthros.ctl.b"

# name    slot  (NVMe controllers: no drive, so no namespace)
LAB_SPARES="
spare     0b"

LAB_COM_PORTS=4
LAB_USER_MOUNT=/srv/orthros
LAB_USER_LABEL=orthros-user

# Kernel arguments of every OS instance: each sees only its own root disk,
# as vda. The guest init runs under tini, which reaps orphans.
LAB_KERNEL_ARGS="root=/dev/vda rw panic=0 init=/usr/bin/tini -- /opt/orthros/lab/init"
# The 1stOS (the kernel QEMU boots) adds its console and, from
# 'orthrosctl cmdline lab/partition.conf', what it must keep its hands off.
LAB_1STOS_CONSOLE="console=ttyS0,115200"
