/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The ctn ioctl ABI for C users. The definition of record is uapi/ctn.rs; this header states
 * the same ABI and uapi/tests/c_header.rs checks that they agree (sizes, offsets, numbers).
 *
 * Rules: every structure starts with `size` (set it to sizeof the structure), reserved fields
 * must be zero, strings are NUL-terminated and NUL-filled, there is no implicit padding.
 */
#ifndef _UAPI_LINUX_CTN_H
#define _UAPI_LINUX_CTN_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CTN_ABI_VERSION		14
#define CTN_DEVICE_PATH		"/dev/ctn"
#define CTN_IOC_MAGIC		0xC7
#define CTN_VERSION_LEN		32

struct ctn_version {
	__u32 size;			/* in: sizeof(struct ctn_version) */
	__u32 abi_version;		/* out: CTN_ABI_VERSION of the loaded module */
	char module_version[CTN_VERSION_LEN];	/* out: NUL-terminated */
	__u64 reserved[4];		/* must be zero */
};

#define CTN_IOC_VERSION		_IOWR(CTN_IOC_MAGIC, 0x00, struct ctn_version)

#define CTN_NAME_LEN		64	/* names: 1-63 bytes of [A-Za-z0-9_.-] plus NUL */
#define CTN_COMM_LEN		16
#define CTN_HISTORY_DEFAULT	256
#define CTN_HISTORY_MAX		65536

/* Names a container: by id when non-zero (name must then be empty), else by name. */
struct ctn_target {
	__u32 id;
	__u32 reserved0;		/* must be zero */
	char name[CTN_NAME_LEN];
};

struct ctn_create {
	__u32 size;
	__u32 flags;			/* must be zero */
	char name[CTN_NAME_LEN];
	__u32 history_len;		/* 0: CTN_HISTORY_DEFAULT */
	__u32 id;			/* out */
	__u64 reserved[8];
};

/* Fails with EBUSY while the container has tasks. */
struct ctn_destroy {
	__u32 size;
	__u32 flags;			/* must be zero */
	struct ctn_target target;
	__u64 reserved[4];
};

/* Moves a process and all its threads into a container. */
struct ctn_attach {
	__u32 size;
	__u32 pid;			/* 0: the calling process */
	struct ctn_target target;
	__u32 threads;			/* out: threads moved */
	__u32 reserved0;
	__u64 reserved[4];
};

#define CTN_INFO_SEALED		(1U << 0)

struct ctn_info {
	__u32 id;
	__u32 flags;			/* CTN_INFO_* */
	char name[CTN_NAME_LEN];
	__u32 tasks;
	__u32 peak_tasks;
	__u32 history_len;
	__u32 reserved0;
	__u64 created_ns;		/* CLOCK_REALTIME */
	__u64 forks;
	__u64 execs;
	__u64 exits;
	__u64 joins;
	__u64 cpu_ns;
	__u64 events_recorded;
	__u64 events_dropped;
};

struct ctn_info_req {
	__u32 size;
	__u32 flags;			/* must be zero */
	struct ctn_target target;
	struct ctn_info info;		/* out */
	__u64 reserved[4];
};

/* A caller-supplied array: capacity entries of entry_size bytes at buf. */
struct ctn_buffer {
	__u64 buf;
	__u32 capacity;
	__u32 entry_size;		/* must be sizeof the entry type */
	__u32 count;			/* out: entries written */
	__u32 total;			/* out: entries there were */
};

struct ctn_list {			/* entries: struct ctn_info */
	__u32 size;
	__u32 flags;			/* must be zero */
	struct ctn_buffer out;
	__u64 reserved[4];
};

struct ctn_task {
	__s32 pid;
	__s32 tgid;
	__s32 ppid;
	__u32 state;			/* ps(1) state letter */
	char comm[CTN_COMM_LEN];
	__u64 cpu_ns;
};

struct ctn_ps {				/* entries: struct ctn_task, one per thread */
	__u32 size;
	__u32 flags;			/* must be zero */
	struct ctn_target target;
	struct ctn_buffer out;
	__u64 reserved[4];
};

#define CTN_EVENT_CREATED	1
#define CTN_EVENT_JOINED	2	/* arg: threads */
#define CTN_EVENT_FORK		3	/* arg: creating thread's pid */
#define CTN_EVENT_EXEC		4
#define CTN_EVENT_EXIT		5	/* arg: wait(2) status */
#define CTN_EVENT_SEALED	6
#define CTN_EVENT_SIGNALLED	7	/* arg: signal, pid: processes */
#define CTN_EVENT_REFUSED	8	/* arg: errno */
#define CTN_EVENT_STARTED	9	/* pid: the first process */
#define CTN_EVENT_STOPPED	10	/* arg: CTN_STOP_*; pid: processes left to kill */
#define CTN_STOP_BY_COMMAND	0
#define CTN_STOP_BY_TERM	1
#define CTN_STOP_BY_KILL	2

struct ctn_event {
	__u64 seq;
	__u64 time_ns;			/* CLOCK_REALTIME */
	__u32 kind;			/* CTN_EVENT_* */
	__s32 pid;
	__s32 tgid;
	__s32 arg;
	char comm[CTN_COMM_LEN];
};

struct ctn_events {			/* entries: struct ctn_event, oldest first */
	__u32 size;
	__u32 flags;			/* must be zero */
	struct ctn_target target;
	__u64 since;			/* in: first sequence number wanted */
	__u64 next;			/* out: ask for this next time */
	__u64 lost;			/* out: wanted but no longer held */
	struct ctn_buffer out;
	__u64 reserved[4];
};

#define CTN_KILL_SEAL		(1U << 0)

struct ctn_kill {
	__u32 size;
	__u32 flags;			/* CTN_KILL_* */
	struct ctn_target target;
	__u32 signal;			/* 0: only seal */
	__u32 signalled;		/* out: processes signalled */
	__u64 reserved[4];
};

#define CTN_UTS_LEN		65
#define CTN_IDENTITY_HOSTNAME	(1U << 0)
#define CTN_IDENTITY_DOMAINNAME	(1U << 1)
#define CTN_IDENTITY_IPV4	(1U << 2)	/* ipv4 and loopback, together */
#define CTN_IDENTITY_MAC	(1U << 3)

/*
 * What processes in the container see through uname(2). Empty hostname: the container's
 * name; empty domainname: "(none)". Its network identity, addresses in network byte order:
 * ipv4 (all-zero: none, the host's network as is), loopback (what 127.0.0.1 means inside;
 * all-zero: ipv4), mac (all-zero: none). An address or MAC another container holds:
 * EADDRINUSE. Set: the fields flags names; get: all, out.
 */
struct ctn_identity {
	__u32 size;
	__u32 flags;			/* CTN_IDENTITY_* (set); zero (get) */
	struct ctn_target target;
	char hostname[CTN_UTS_LEN];
	char domainname[CTN_UTS_LEN];
	__u8 mac[6];
	__u8 ipv4[4];
	__u8 loopback[4];
	__u64 reserved[4];
};

#define CTN_LIMIT_TASKS		(1U << 0)
#define CTN_LIMIT_MEMORY	(1U << 1)
#define CTN_LIMIT_FILES		(1U << 2)
#define CTN_LIMIT_DISK		(1U << 3)
#define CTN_LIMIT_CPU_TIME	(1U << 4)
#define CTN_LIMIT_CPU_SHARE	(1U << 5)
#define CTN_LIMIT_NET_RATE	(1U << 6)
#define CTN_LIMIT_DRY_RUN	(1U << 31)	/* check only (ENOSPC); empty target: a new container */

/*
 * Limits (set: the fields flags names; 0 = none). tasks: threads at once (EAGAIN beyond);
 * memory: address space of all members in bytes, rounded up to pages (ENOMEM beyond);
 * files: open descriptors of all members (EMFILE beyond); disk: bytes the members may write
 * to files in all (EDQUOT beyond); cpu_share: percent of one CPU for all members, enforced
 * within every CTN_CPU_PERIOD_NS; net_rate: bytes per second sent (blocking sends wait,
 * non-blocking ones get EAGAIN). All containers' memory limits together may not exceed the
 * host's physical memory, their CPU shares the host's CPUs times its CPU reserve (ENOSPC).
 */
struct ctn_limits {
	__u32 size;
	__u32 flags;			/* CTN_LIMIT_* */
	struct ctn_target target;
	__u64 tasks;
	__u64 memory;
	__u64 files;
	__u64 disk;
	__u64 cpu_time;			/* ns; beyond: SIGXCPU, then SIGKILL */
	__u64 cpu_share;		/* percent of one CPU */
	__u64 net_rate;			/* bytes per second sent */
	__u64 reserved[1];
};

#define CTN_CPU_PERIOD_NS	100000000ULL

/* One resource: usage, peak, limit (0 = none), refused requests. */
struct ctn_resource {
	__u64 usage;
	__u64 peak;
	__u64 limit;
	__u64 failcnt;
};

struct ctn_usage {
	__u32 size;
	__u32 flags;			/* zero */
	struct ctn_target target;
	struct ctn_resource tasks;
	struct ctn_resource memory;	/* bytes */
	struct ctn_resource files;
	struct ctn_resource disk;	/* bytes written to files */
	struct ctn_resource cpu_time;	/* ns */
	__u64 net_sent;			/* bytes asked to IPv4/IPv6 sockets */
	__u64 files_opened;		/* descriptors opened, in all */
	struct ctn_resource cpu_share;	/* percent of one CPU over the last second */
	struct ctn_resource net_rate;	/* bytes per second sent over the last second */
	__u64 net_received;		/* bytes received on IPv4/IPv6 sockets */
	__u64 cpu_throttled_ns;		/* time held back by the CPU share */
	__u64 net_delayed_ns;		/* time held back by the network rate */
	__u64 reserved[2];
};

#define CTN_HOST_SET_CPU_RESERVE	(1U << 0)
#define CTN_CPU_RESERVE_DEFAULT		90

/* The host's resources, what containers reserve of them, and the CPU reserve (percent). */
struct ctn_host {
	__u32 size;
	__u32 flags;			/* CTN_HOST_* */
	__u32 cpu_reserve_pct;		/* in with CTN_HOST_SET_CPU_RESERVE; out */
	__u32 cpus;			/* out */
	__u64 cpu_reserved;		/* out: CPU shares together, percent of one CPU */
	__u64 memory_total;		/* out: bytes */
	__u64 memory_reserved;		/* out: memory limits together, bytes */
	__u32 containers;		/* out */
	__u32 reserved0;
	__u64 reserved[4];
};

#define CTN_CREATE_RECORD_FILES	(1U << 0)	/* ctn_create.flags: record opened files */
#define CTN_PATH_LEN		256

/* A file a container's processes opened (absolute path, NUL-filled). */
struct ctn_path {
	__u8 path[CTN_PATH_LEN];
};

/* The files opened by a recording container's processes (ENODATA if it does not record). */
struct ctn_files {
	__u32 size;
	__u32 flags;			/* zero */
	struct ctn_target target;
	__u64 recorded;			/* out */
	__u64 dropped;			/* out: too long, or no room */
	struct ctn_buffer out;		/* struct ctn_path entries */
	__u64 reserved[4];
};

/* A container's capability set (CTN_IOC_CAPS): bit N is capability N. */
#define CTN_CAPS_SET		(1U << 0)
#define CTN_CAP_LAST		40
/* Docker's default set without CAP_MKNOD and CAP_NET_RAW. */
#define CTN_CAPS_DEFAULT	((1ULL << 0) | (1ULL << 1) | (1ULL << 3) | (1ULL << 4) | \
				 (1ULL << 5) | (1ULL << 6) | (1ULL << 7) | (1ULL << 8) | \
				 (1ULL << 10) | (1ULL << 18) | (1ULL << 29) | (1ULL << 31))

struct ctn_caps {
	__u32 size;
	__u32 flags;			/* CTN_CAPS_SET, or zero to report */
	struct ctn_target target;
	__u64 caps;			/* in with CTN_CAPS_SET, out without */
	__u64 reserved[4];
};

/* Records CTN_EVENT_STARTED or CTN_EVENT_STOPPED in a container's history. */
struct ctn_record {
	__u32 size;
	__u32 flags;			/* zero */
	struct ctn_target target;
	__u32 kind;
	__s32 pid;
	__s32 arg;
	__u32 reserved0;
	__u64 reserved[4];
};

#define CTN_IOC_CREATE		_IOWR(CTN_IOC_MAGIC, 0x01, struct ctn_create)
#define CTN_IOC_DESTROY		_IOWR(CTN_IOC_MAGIC, 0x02, struct ctn_destroy)
#define CTN_IOC_ATTACH		_IOWR(CTN_IOC_MAGIC, 0x03, struct ctn_attach)
#define CTN_IOC_LIST		_IOWR(CTN_IOC_MAGIC, 0x04, struct ctn_list)
#define CTN_IOC_INFO		_IOWR(CTN_IOC_MAGIC, 0x05, struct ctn_info_req)
#define CTN_IOC_PS		_IOWR(CTN_IOC_MAGIC, 0x06, struct ctn_ps)
#define CTN_IOC_EVENTS		_IOWR(CTN_IOC_MAGIC, 0x07, struct ctn_events)
#define CTN_IOC_KILL		_IOWR(CTN_IOC_MAGIC, 0x08, struct ctn_kill)
#define CTN_IOC_SET_IDENTITY	_IOWR(CTN_IOC_MAGIC, 0x09, struct ctn_identity)
#define CTN_IOC_GET_IDENTITY	_IOWR(CTN_IOC_MAGIC, 0x0a, struct ctn_identity)
#define CTN_IOC_SET_LIMITS	_IOWR(CTN_IOC_MAGIC, 0x0b, struct ctn_limits)
#define CTN_IOC_GET_USAGE	_IOWR(CTN_IOC_MAGIC, 0x0c, struct ctn_usage)
#define CTN_IOC_HOST		_IOWR(CTN_IOC_MAGIC, 0x0d, struct ctn_host)
#define CTN_IOC_RECORD		_IOWR(CTN_IOC_MAGIC, 0x0e, struct ctn_record)
#define CTN_IOC_FILES		_IOWR(CTN_IOC_MAGIC, 0x0f, struct ctn_files)
#define CTN_IOC_CAPS		_IOWR(CTN_IOC_MAGIC, 0x10, struct ctn_caps)

#endif /* _UAPI_LINUX_CTN_H */
