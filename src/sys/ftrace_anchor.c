// SPDX-License-Identifier: GPL-2.0
/*
 * The only functions of ctn that ftrace may trace (Kbuild keeps this file's fentry calls,
 * which helpers.c has not). A parked hook registration (no container: every hooked function
 * left unpatched) keeps its anchor alone in its filter, because an ftrace_ops whose filter
 * is empty traces every function. One anchor per registration: two ops that modify the IP
 * cannot share a function. They are never called.
 */
#include <linux/compiler.h>

#include "helpers.h"

noinline void ctn_ftrace_anchor_hooks(void)
{
	barrier();
}

noinline void ctn_ftrace_anchor_recorder(void)
{
	barrier();
}
