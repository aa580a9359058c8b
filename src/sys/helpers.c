// SPDX-License-Identifier: GPL-2.0
/*
 * Wrappers that let ctn's Rust code use kernel facilities that are static inline functions or
 * macros (which bindgen cannot expose), in the manner of the kernel's rust/helpers. No logic
 * lives here: each function is one kernel construct.
 */
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/threads.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/personality.h>
#include <linux/utsname.h>
#include <linux/mm_types.h>
#include <linux/workqueue.h>
#include <linux/jiffies.h>
#include <linux/fdtable.h>
#include <linux/bitmap.h>
#include <linux/netdevice.h>
#include <net/inet_sock.h>
#include <linux/task_work.h>
#include <linux/hrtimer.h>
#include <linux/skbuff.h>
#include <asm/irq_regs.h>
#include <linux/ipc.h>
#include <linux/siphash.h>

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/uio.h>
#include <linux/binfmts.h>
#include <linux/compat.h>
#include <linux/magic.h>
#include <linux/kallsyms.h>

#include "helpers.h"

struct task_struct *ctn_current(void)
{
	return current;
}

unsigned int ctn_pid_max_limit(void)
{
	return PID_MAX_LIMIT;
}

void ctn_rcu_read_lock(void)
{
	rcu_read_lock();
}

void ctn_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

/* for_each_process(), start: the first process after the idle task, or NULL. */
struct task_struct *ctn_first_process(void)
{
	return ctn_next_process(&init_task);
}

/* for_each_process(), one step: NULL after the last process. Caller holds rcu_read_lock(). */
struct task_struct *ctn_next_process(struct task_struct *p)
{
	p = next_task(p);
	return p == &init_task ? NULL : p;
}

/* for_each_thread(), one step: NULL after the last thread. Caller holds rcu_read_lock(). */
struct task_struct *ctn_next_thread(struct task_struct *t)
{
	return __next_thread(t);
}

/* Caller holds rcu_read_lock(). */
pid_t ctn_task_ppid(struct task_struct *t)
{
	return task_tgid_nr(rcu_dereference(t->real_parent));
}

char ctn_task_state_char(struct task_struct *t)
{
	return task_state_to_char(t);
}

u64 ctn_task_cputime_ns(struct task_struct *t)
{
	u64 utime, stime;

	task_cputime(t, &utime, &stime);
	return utime + stime;
}

void ctn_get_task(struct task_struct *t)
{
	get_task_struct(t);
}

void ctn_put_task(struct task_struct *t)
{
	put_task_struct(t);
}

u64 ctn_now_real_ns(void)
{
	return ktime_get_real_ns();
}

/*
 * Set argument register `arg` (0-based) of the traced call to `value`: the x86 ftrace
 * trampoline reloads the argument registers from `fregs` after the callback.
 */
notrace void ctn_ftrace_set_arg(struct ftrace_regs *fregs, unsigned int arg, unsigned long value)
{
	struct pt_regs *regs = &arch_ftrace_regs(fregs)->regs;

	switch (arg) {
	case 0: regs->di = value; break;
	case 1: regs->si = value; break;
	case 2: regs->dx = value; break;
	case 3: regs->cx = value; break;
	case 4: regs->r8 = value; break;
	case 5: regs->r9 = value; break;
	}
}

/*
 * Make the traced function return into `ip` instead of running, with argument register `arg`
 * set to `value` (see ctn_ftrace_set_arg).
 */
notrace void ctn_ftrace_redirect(struct ftrace_regs *fregs, unsigned long ip, unsigned int arg,
			 unsigned long value)
{
	ctn_ftrace_set_arg(fregs, arg, value);
	ftrace_regs_set_instruction_pointer(fregs, ip);
}

/* Argument `n` (0-based) of the traced call; called from the ftrace callback. */
notrace unsigned long ctn_ftrace_regs_arg(struct ftrace_regs *fregs, unsigned int n)
{
	return ftrace_regs_get_argument(fregs, n);
}

/* Whether the current system call came through a 32-bit entry (its structures are compat). */
bool ctn_in_compat_syscall(void)
{
	return in_compat_syscall();
}

void ctn_tracepoint_synchronize_unregister(void)
{
	tracepoint_synchronize_unregister();
}

/*
 * The calling task's UTS names, what uname(2) copies. Read without uts_sem (not exported):
 * only sethostname/setdomainname write to it after boot, and ctn replaces exactly those two
 * fields, so a racing write cannot tear what it uses.
 */
const struct new_utsname *ctn_utsname(void)
{
	return utsname();
}

/* Whether uname(2) rewrites fields for this task's personality (UNAME26, PER_LINUX32). */
bool ctn_uname_personality_rewrites(void)
{
	return (current->personality & UNAME26) ||
	       personality(current->personality) == PER_LINUX32;
}


/* The address family of a socket's sock (AF_INET or AF_INET6 for the hooked operations). */
u16 ctn_sock_family(const struct socket *sock)
{
	return READ_ONCE(sock->sk->sk_family);
}

/* The local port an inet socket is bound to (host order); 0 while unbound. */
u16 ctn_sock_bound_port(const struct socket *sock)
{
	return READ_ONCE(inet_sk(sock->sk)->inet_num);
}

/* Whether the device `name` in `net` is a loopback device: 1 yes, 0 no, -ENODEV none. */
int ctn_netdev_is_loopback(struct net *net, const char *name)
{
	struct net_device *dev;
	int ret = -ENODEV;

	rcu_read_lock();
	dev = dev_get_by_name_rcu(net, name);
	if (dev)
		ret = !!(dev->flags & IFF_LOOPBACK);
	rcu_read_unlock();
	return ret;
}

/* Whether every thread of t's process has exited (t is exiting: signal is still there). */
bool ctn_task_group_dead(struct task_struct *t)
{
	return atomic_read(&t->signal->live) == 0;
}

/* Called from the may_expand_vm hook's ftrace callback. */
notrace struct mm_struct *ctn_current_mm(void)
{
	return current->mm;
}

notrace unsigned long ctn_mm_total_vm(struct mm_struct *mm)
{
	return READ_ONCE(mm->total_vm);
}

/*
 * The pages of address space that child, a task copy_process is making, holds of its own:
 * its copy of its creator's (complete once copy_mm ran), or 0 if it shares the creator's
 * (CLONE_VM) or has none (a kernel thread).
 */
notrace unsigned long ctn_fork_copy_pages(struct task_struct *child)
{
	struct mm_struct *mm = child->mm;

	return mm && mm != current->mm ? READ_ONCE(mm->total_vm) : 0;
}

/* Descriptors open in `files`. */
static notrace unsigned int ctn_files_open(struct files_struct *files)
{
	struct fdtable *fdt;
	unsigned int n;

	rcu_read_lock();
	fdt = files_fdtable(files);
	n = bitmap_weight(fdt->open_fds, fdt->max_fds);
	rcu_read_unlock();
	return n;
}

/*
 * What process p holds: the pages of its address space (total_vm) and its open descriptors,
 * from the first thread that still has them, as find_lock_task_mm() (not exported) looks for
 * an mm. Caller holds rcu_read_lock().
 */
void ctn_process_holdings(struct task_struct *p, unsigned long *pages, unsigned int *files)
{
	struct task_struct *t;

	*pages = 0;
	*files = 0;
	for_each_thread(p, t) {
		task_lock(t);
		if (t->mm || t->files) {
			*pages = t->mm ? READ_ONCE(t->mm->total_vm) : 0;
			*files = t->files ? ctn_files_open(t->files) : 0;
			task_unlock(t);
			break;
		}
		task_unlock(t);
	}
}

/* Descriptors open in the current task's table; called from an ftrace callback. */
notrace unsigned int ctn_current_open_files(void)
{
	return current->files ? ctn_files_open(current->files) : 0;
}

/* Whether a file being written is a regular file; called from an ftrace callback. */
/* The length a write_iter asks generic_write_checks_count for, if the file is a regular one. */
notrace long long ctn_write_check_count(const struct kiocb *iocb, const loff_t *count)
{
	return S_ISREG(file_inode(iocb->ki_filp)->i_mode) ? *count : 0;
}

/* The same for generic_write_checks, from the write's data. */
notrace long long ctn_write_check_iter(const struct kiocb *iocb, const struct iov_iter *from)
{
	return S_ISREG(file_inode(iocb->ki_filp)->i_mode) ? iov_iter_count(from) : 0;
}

/*
 * Whether space given to file counts as a member's: a regular file, not the backing file
 * that overlayfs passes the same request on to (counted on the overlay file already).
 */
notrace bool ctn_file_takes_data(struct file *file)
{
	return S_ISREG(file_inode(file)->i_mode) && !(file->f_mode & FMODE_BACKING);
}

/* Whether a shmem or hugetlbfs file is a SysV segment's (newseg names them "SYSV%08x"). */
notrace bool ctn_is_sysv_shm_name(const char *name)
{
	return name && name[0] == 'S' && name[1] == 'Y' && name[2] == 'S' && name[3] == 'V';
}

/*
 * What a change of the attributes of dentry adds to its file's size: the growth of a regular
 * file by ATTR_SIZE, else 0. notify_change runs under the inode lock, which every other
 * change of the size holds too, so the size read is the one the change starts from. The
 * call overlayfs makes on its own inode is 0: its inner call on the upper file counts.
 */
notrace long long ctn_setattr_growth(struct dentry *dentry, const struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	loff_t size;

	if (!(attr->ia_valid & ATTR_SIZE) || !inode || !S_ISREG(inode->i_mode) ||
	    inode->i_sb->s_magic == OVERLAYFS_SUPER_MAGIC)
		return 0;
	size = i_size_read(inode);
	return attr->ia_size > size ? attr->ia_size - size : 0;
}

u64 ctn_total_ram_bytes(void)
{
	return (u64)totalram_pages() << PAGE_SHIFT;
}

void ctn_init_delayed_work(struct delayed_work *dwork, void (*fn)(struct work_struct *))
{
	INIT_DELAYED_WORK(dwork, fn);
}

bool ctn_schedule_delayed_work_ms(struct delayed_work *dwork, unsigned int ms)
{
	return schedule_delayed_work(dwork, msecs_to_jiffies(ms));
}

/* From the scheduler's tracepoints too: notrace, NMI-safe. */
notrace u64 ctn_now_mono_ns(void)
{
	return ktime_get_mono_fast_ns();
}

/* task_work_add(TWA_RESUME) without allocating (KASAN's stack record): 0 or -ESRCH. */
int ctn_task_work_add_resume(struct task_struct *t, struct callback_head *work)
{
	return task_work_add(t, work, TWA_RESUME | TWAF_NO_ALLOC);
}

/* Sleep up to ns in TASK_INTERRUPTIBLE; false if a signal is pending. */
bool ctn_sleep_interruptible_ns(u64 ns)
{
	ktime_t t = ns_to_ktime(ns);

	set_current_state(TASK_INTERRUPTIBLE);
	schedule_hrtimeout_range(&t, 50 * NSEC_PER_USEC, HRTIMER_MODE_REL);
	return !signal_pending(current);
}

/*
 * A point where a long loop in a system call may be rescheduled: false if the task has a
 * fatal signal pending (the loop should stop).
 */
bool ctn_may_continue(void)
{
	cond_resched();
	return !fatal_signal_pending(current);
}

/*
 * Restart the current system call after it returns: -ERESTARTNOINTR, with TIF_NOTIFY_SIGNAL
 * set (on current, which runs: no wake-up) so that the exit path takes the signal path.
 */
int ctn_restart_syscall(void)
{
	set_tsk_thread_flag(current, TIF_NOTIFY_SIGNAL);
	return -ERESTARTNOINTR;
}

/* In a hard interrupt that interrupted user mode (the timer tick of a user task). */
notrace bool ctn_irq_from_user_mode(void)
{
	struct pt_regs *regs = get_irq_regs();

	return in_hardirq() && regs && user_mode(regs);
}

/* The address family of the socket an skb is charged to, 0 if none. */
notrace u16 ctn_skb_sock_family(const struct sk_buff *skb)
{
	return skb->sk ? skb->sk->sk_family : 0;
}

unsigned int ctn_online_cpus(void)
{
	return num_online_cpus();
}

/* The kernel's si_fromuser(): a signal a task sent, not one the kernel sends. */
notrace bool ctn_siginfo_from_user(const struct kernel_siginfo *info)
{
	return info == SEND_SIG_NOINFO ||
	       (info != SEND_SIG_PRIV && SI_FROMUSER(info));
}

/* The current task's credentials (the pointer only); called from an ftrace callback. */
notrace const struct cred *ctn_current_cred(void)
{
	return current_cred();
}

/*
 * What kind of file system `sb` is: its magic number, whether it keeps files on a device.
 * devtmpfs is a tmpfs by its magic, but it is the host's /dev (its names and modes are
 * every process's): it gets a magic of its own, CTN_DEVTMPFS_MAGIC.
 */
static __always_inline void ctn_fs_facts_of(const struct super_block *sb,
					    struct ctn_fs_facts *out)
{
	static const char devtmpfs[] = "devtmpfs";
	const char *name = sb->s_type->name;
	unsigned int i;

	out->magic = sb->s_magic;
	out->on_device = !!(sb->s_type->fs_flags & FS_REQUIRES_DEV);
	if (out->magic != TMPFS_MAGIC || !name)
		return;
	/* A loop, not strcmp(): nothing called from the ftrace callback may be traceable. */
	for (i = 0; i < sizeof(devtmpfs); i++)
		if (name[i] != devtmpfs[i])
			return;
	out->magic = CTN_DEVTMPFS_MAGIC;
}

/*
 * What an open is of, for the host-configuration rule: the inode's type bits, device number,
 * file system magic and whether that file system stores data on a device, and whether the
 * file is opened for writing. Called from an ftrace callback on a file being opened.
 */
notrace void ctn_open_facts(const struct file *file, struct ctn_open_facts *out)
{
	const struct inode *inode = file_inode(file);

	out->mode = inode->i_mode;
	out->rdev = inode->i_rdev;
	out->sb_info = (unsigned long)inode->i_sb->s_fs_info;
	ctn_fs_facts_of(inode->i_sb, &out->fs);
	out->writes = !!(file->f_mode & FMODE_WRITE);
	out->dentry = file->f_path.dentry;
}

/*
 * Limits the credentials an exec is about to commit (still private to the exec) to the
 * capabilities in `set`: permitted, effective, inheritable and ambient. Called from an
 * ftrace callback at security_bprm_committing_creds().
 */
notrace void ctn_bprm_limit_caps(const struct linux_binprm *bprm, u64 set)
{
	struct cred *new = bprm->cred;

	new->cap_permitted.val &= set;
	new->cap_effective.val &= set;
	new->cap_inheritable.val &= set;
	new->cap_ambient.val &= set;
}

/* The pid number of a struct pid (0 for none); called from an ftrace callback. */
notrace pid_t ctn_pid_nr(struct pid *pid)
{
	return pid_nr(pid);
}

/*
 * Whether the current task is root (effective uid 0) and its bounding set keeps
 * CAP_SYS_ADMIN (no capability check): a container's root, whose effective set the
 * container's capability set has limited, naming its own container.
 */
bool ctn_current_is_own_root(void)
{
	const struct cred *cred = current_cred();

	return uid_eq(cred->euid, GLOBAL_ROOT_UID) &&
	       cap_raised(cred->cap_bset, CAP_SYS_ADMIN);
}

/* The id of a SysV IPC object (its index and sequence number); called from ftrace callbacks. */
notrace int ctn_ipc_id(const struct kern_ipc_perm *perm)
{
	return READ_ONCE(perm->id);
}

/* SipHash-2-4 of two words under `key` (two words): the keyed function behind IPC keys. */
notrace u64 ctn_siphash(u64 first, u64 second, const u64 *key)
{
	siphash_key_t k = { .key = { key[0], key[1] } };

	return siphash_2u64(first, second, &k);
}

/* The file system an inode (a directory a name is made in) is on; from an ftrace callback. */
notrace void ctn_inode_fs(const struct inode *inode, struct ctn_fs_facts *out)
{
	ctn_fs_facts_of(inode->i_sb, out);
}

/* The file system a dentry (a file whose attributes change) is on; from an ftrace callback. */
notrace void ctn_dentry_fs(const struct dentry *dentry, struct ctn_fs_facts *out)
{
	ctn_fs_facts_of(dentry->d_sb, out);
}

/* Which attributes a setattr changes (ATTR_*); called from an ftrace callback. */
notrace unsigned int ctn_iattr_valid(const struct iattr *attr)
{
	return attr->ia_valid;
}

/* The dentry of a path the caller holds; called from an ftrace callback. */
notrace const struct dentry *ctn_path_dentry(const struct path *path)
{
	return path->dentry;
}

/*
 * Whether the name of `dentry` (held by the caller) begins with the `len` bytes at `prefix`.
 * The name is read under RCU and compared up to its NUL, so a concurrent rename (which frees
 * an external name only after a grace period) gives a wrong answer at worst, never a bad
 * read. Called from an ftrace callback.
 */
notrace bool ctn_dentry_name_begins(const struct dentry *dentry, const u8 *prefix, size_t len)
{
	const unsigned char *name;
	bool begins = true;
	size_t i;

	rcu_read_lock();
	name = READ_ONCE(dentry->d_name.name);
	for (i = 0; i < len; i++) {
		if (name[i] != prefix[i]) {
			begins = false;
			break;
		}
	}
	rcu_read_unlock();
	return begins;
}

/*
 * The size in bytes of the kernel function that `addr` starts, from kallsyms ("name+0x0/0xSIZE"
 * as sprint_symbol writes it); 0 if kallsyms does not know it or `addr` is not its start.
 * Called at hook installation (process context).
 */
unsigned long ctn_function_size(unsigned long addr)
{
	char buf[KSYM_SYMBOL_LEN];
	const char *plus, *slash;
	unsigned long size;

	sprint_symbol(buf, addr);
	plus = strchr(buf, '+');
	slash = strchr(buf, '/');
	if (!plus || !slash || strncmp(plus, "+0x0/", 5) != 0)
		return 0;
	if (kstrtoul(slash + 1, 16, &size))
		return 0;
	return size;
}
