/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one header bindgen reads for ctn (see Kbuild). What it may expose is listed in
 * bindgen_allowlist next to it; helpers.c wraps what is inline or a macro.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/magic.h>
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/tracepoint.h>
#include <linux/binfmts.h>
#include <linux/delay.h>
#include <linux/utsname.h>
#include <linux/sysinfo.h>
#include <linux/seq_file.h>
#include <linux/workqueue.h>
#include <linux/task_work.h>
#include <linux/errno.h>
#include <linux/skbuff.h>
#include <linux/if.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/if_arp.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/sockios.h>
#include <linux/ioctl.h>
#include <asm/ioctls.h>
#include <net/inet_common.h>
#include <net/ipv6.h>
#include <asm/ptrace.h>
#include <linux/random.h>
#include <linux/ipc.h>
#include <linux/un.h>
#include <linux/major.h>
#include <linux/err.h>
#include <linux/resource.h>
#include <linux/ptrace.h>

#include "helpers.h"
