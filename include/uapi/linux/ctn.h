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

#define CTN_ABI_VERSION		1
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

#endif /* _UAPI_LINUX_CTN_H */
