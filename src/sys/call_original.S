/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctn_call_original(a0, a1, a2, a3, a4, fn): calls the kernel function at fn with five
 * arguments and returns what it returns, entering it by a RET instead of an indirect CALL.
 *
 * Why: a hook's replacement calls the function it hooks (its "original"). With
 * X86_KERNEL_IBT, objtool lists the ENDBRs of functions whose address the kernel never
 * takes and the kernel poisons them at boot (apply_seal_endbr); an indirect CALL of such a
 * function (kernel_clone, dev_ioctl, the 32-bit uname entries, ...) is a #CP fault on a CPU
 * that enforces IBT. A RET is not an indirect branch to IBT, and under kCFI it checks no type
 * hash either. This is the kernel's own PUSH;RET idiom (ftrace_regs_caller, which enters a
 * hook's replacement the same way), with its rebalancing CALL so that the return stack
 * buffer predicts fn's return to here.
 *
 * The original's return address is ctn_original_return, and %r9 still holds fn when it is
 * entered: the ftrace callback lets exactly such a call run undiverted (a function the
 * original tail-calls has the same return address, but not itself in %r9).
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/alternative.h>
#include <asm/cpufeatures.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

	.text
SYM_FUNC_START(ctn_call_original)
	push	%rbp
	mov	%rsp, %rbp
	call	ctn_enter_original
/* fn's return address: the ftrace callback lets a call from here through (with %r9 = fn). */
SYM_INNER_LABEL(ctn_original_return, SYM_L_GLOBAL)
	ANNOTATE_NOENDBR	/* a return address, compared, never a branch target */
	/* fn returns here, with its result in %rax */
	pop	%rbp
	RET
SYM_FUNC_END(ctn_call_original)

/* Called with fn's return address on the stack: make fn the next return. */
SYM_FUNC_START_LOCAL(ctn_enter_original)
	push	%r9
	UNWIND_HINT_FUNC
	ANNOTATE_INTRA_FUNCTION_CALL
	call	.Lctn_rebalance
	int3
.Lctn_rebalance:
	add	$8, %rsp
	ALTERNATIVE __stringify(RET), \
		    __stringify(ANNOTATE_UNRET_SAFE; ret; int3), \
		    X86_FEATURE_CALL_DEPTH
SYM_FUNC_END(ctn_enter_original)
