/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of helpers.c: wrappers of static inline functions and macros for Rust. */
#include <linux/types.h>

struct task_struct;
struct ftrace_regs;
struct module;

struct task_struct *ctn_current(void);
unsigned int ctn_pid_max_limit(void);
void ctn_rcu_read_lock(void);
void ctn_rcu_read_unlock(void);
struct task_struct *ctn_first_process(void);
struct task_struct *ctn_next_process(struct task_struct *p);
struct task_struct *ctn_next_thread(struct task_struct *t);
pid_t ctn_task_ppid(struct task_struct *t);
char ctn_task_state_char(struct task_struct *t);
u64 ctn_task_cputime_ns(struct task_struct *t);
void ctn_get_task(struct task_struct *t);
void ctn_put_task(struct task_struct *t);
u64 ctn_now_real_ns(void);
void ctn_ftrace_redirect(struct ftrace_regs *fregs, unsigned long ip, unsigned int arg,
			 unsigned long value);
unsigned long ctn_ftrace_regs_arg(struct ftrace_regs *fregs, unsigned int n);
/* call_original.S: calls fn(a0, ..., a4), entering it by a RET (IBT-safe). */
unsigned long ctn_call_original(unsigned long a0, unsigned long a1, unsigned long a2,
				unsigned long a3, unsigned long a4, unsigned long fn);
bool ctn_in_compat_syscall(void);
void ctn_tracepoint_synchronize_unregister(void);
/* ftrace_anchor.c: traceable, never called (see there). */
void ctn_ftrace_anchor_hooks(void);
void ctn_ftrace_anchor_recorder(void);
struct new_utsname;
const struct new_utsname *ctn_utsname(void);
bool ctn_uname_personality_rewrites(void);
bool ctn_task_group_dead(struct task_struct *t);
struct mm_struct *ctn_current_mm(void);
void ctn_process_holdings(struct task_struct *p, unsigned long *pages, unsigned int *files);
unsigned int ctn_current_open_files(void);
struct file;
struct kiocb;
struct iov_iter;
long long ctn_write_check_count(const struct kiocb *iocb, const long long *count);
long long ctn_write_check_iter(const struct kiocb *iocb, const struct iov_iter *from);
bool ctn_file_takes_data(struct file *file);
bool ctn_is_sysv_shm_name(const char *name);
struct dentry;
struct iattr;
long long ctn_setattr_growth(struct dentry *dentry, const struct iattr *attr);
unsigned long ctn_mm_total_vm(struct mm_struct *mm);
unsigned long ctn_fork_copy_pages(struct task_struct *child);
u64 ctn_total_ram_bytes(void);
struct delayed_work;
struct work_struct;
void ctn_init_delayed_work(struct delayed_work *dwork, void (*fn)(struct work_struct *));
bool ctn_schedule_delayed_work_ms(struct delayed_work *dwork, unsigned int ms);
struct socket;
struct net;
u16 ctn_sock_family(const struct socket *sock);
u16 ctn_sock_bound_port(const struct socket *sock);
int ctn_netdev_is_loopback(struct net *net, const char *name);
u64 ctn_now_mono_ns(void);
struct callback_head;
int ctn_task_work_add_resume(struct task_struct *t, struct callback_head *work);
bool ctn_sleep_interruptible_ns(u64 ns);
bool ctn_may_continue(void);
int ctn_restart_syscall(void);
struct sk_buff;
u16 ctn_skb_sock_family(const struct sk_buff *skb);
unsigned int ctn_online_cpus(void);
bool ctn_irq_from_user_mode(void);
struct kernel_siginfo;
bool ctn_siginfo_from_user(const struct kernel_siginfo *info);

struct cred;
struct pid;
const struct cred *ctn_current_cred(void);
/* See ctn_fs_facts_of() in helpers.c. */
/* The magic ctn_fs_facts reports for devtmpfs (its own is tmpfs's): "devt". */
#define CTN_DEVTMPFS_MAGIC 0x74766564UL
struct ctn_fs_facts {
	unsigned long magic;
	bool on_device;
};
/* See ctn_open_facts() in helpers.c. */
struct ctn_open_facts {
	u32 mode;
	u32 rdev;
	/* The file system's own data (for devpts, the instance: struct pts_fs_info). */
	unsigned long sb_info;
	struct ctn_fs_facts fs;
	bool writes;
	/* The name it was opened by (for POSIX message queues: whose queue it is). */
	const struct dentry *dentry;
};
void ctn_open_facts(const struct file *file, struct ctn_open_facts *out);
struct linux_binprm;
void ctn_bprm_limit_caps(const struct linux_binprm *bprm, u64 set);
pid_t ctn_pid_nr(struct pid *pid);
bool ctn_current_is_own_root(void);
struct ftrace_regs;
void ctn_ftrace_set_arg(struct ftrace_regs *fregs, unsigned int arg, unsigned long value);
struct kern_ipc_perm;
int ctn_ipc_id(const struct kern_ipc_perm *perm);
u64 ctn_siphash(u64 first, u64 second, const u64 *key);
struct inode;
struct dentry;
void ctn_inode_fs(const struct inode *inode, struct ctn_fs_facts *out);
void ctn_dentry_fs(const struct dentry *dentry, struct ctn_fs_facts *out);
struct iattr;
unsigned int ctn_iattr_valid(const struct iattr *attr);
struct path;
const struct dentry *ctn_path_dentry(const struct path *path);
bool ctn_dentry_name_begins(const struct dentry *dentry, const u8 *prefix, size_t len);
unsigned long ctn_function_size(unsigned long addr);
