#include "gsimage/util/proc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/strvec.h"
#include "gsimage/util/xalloc.h"

extern char **environ;

/* Process groups of the children being waited for (one per thread that
 * runs one: the compile stage builds platforms concurrently), so a signal
 * handler can take them down with us (go build's compile/link/zig children
 * included).  A slot is claimed with an atomic compare-and-swap. */
#define MAX_RUNNING 32
static volatile sig_atomic_t running_pgid[MAX_RUNNING];

void gs_proc_kill_running(void)
{
	for (int i = 0; i < MAX_RUNNING; i++) {
		pid_t pgid = (pid_t)running_pgid[i];
		if (pgid > 0)
			kill(-pgid, SIGKILL);
	}
}

static int running_add(pid_t pgid)
{
	for (int i = 0; i < MAX_RUNNING; i++) {
		sig_atomic_t zero = 0;
		if (__atomic_compare_exchange_n(&running_pgid[i], &zero, (sig_atomic_t)pgid, 0,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return i;
	}
	return -1; /* more than MAX_RUNNING at once: PR_SET_PDEATHSIG still applies */
}

static void running_remove(int slot)
{
	if (slot >= 0)
		__atomic_store_n(&running_pgid[slot], 0, __ATOMIC_SEQ_CST);
}

typedef struct buf {
	char *data;
	size_t len, cap;
} buf_t;

static void buf_append(buf_t *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

char *gs_proc_which(const char *name, const char *path)
{
	if (!name || !*name)
		return NULL;
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	if (!path)
		path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin";
	const char *p = path;
	for (;;) {
		const char *end = strchrnul(p, ':');
		size_t len = (size_t)(end - p);
		cleanup_free char *cand = len ? x_asprintf("%.*s/%s", (int)len, p, name)
					      : x_asprintf("./%s", name);
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
			char *r = cand;
			cand = NULL;
			return r;
		}
		if (!*end)
			return NULL;
		p = end + 1;
	}
}

static const char *env_path(char *const *envp)
{
	return envp ? gs_envp_get(envp, "PATH") : getenv("PATH");
}

/* Read both pipes until EOF without letting either fill up. */
static void drain(int out_fd, buf_t *out, int err_fd, buf_t *errb)
{
	struct pollfd fds[2];
	int nfds;
	char chunk[16384];
	for (;;) {
		nfds = 0;
		if (out_fd >= 0)
			fds[nfds++] = (struct pollfd){.fd = out_fd, .events = POLLIN};
		if (err_fd >= 0)
			fds[nfds++] = (struct pollfd){.fd = err_fd, .events = POLLIN};
		if (nfds == 0)
			return;
		if (poll(fds, (nfds_t)nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (int i = 0; i < nfds; i++) {
			if (!fds[i].revents)
				continue;
			ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			int is_out = fds[i].fd == out_fd;
			if (n <= 0) {
				close(fds[i].fd);
				if (is_out)
					out_fd = -1;
				else
					err_fd = -1;
				continue;
			}
			buf_append(is_out ? out : errb, chunk, (size_t)n);
		}
	}
}

char *gs_proc_first_line(const char *s)
{
	while (*s == '\n' || *s == ' ')
		s++;
	return xstrndup(s, strcspn(s, "\n"));
}

int gs_proc_says_one_line(const char *s)
{
	while (*s == '\n' || *s == ' ')
		s++;
	const char *nl = strchr(s, '\n');
	return *s && (!nl || nl[strspn(nl, "\n ")] == '\0');
}

/* gs_proc_run with the raw wait status, which tells an exit from a signal. */
static int run_wait(const gs_proc_opts_t *opts, int *wstatus, gs_error_t *err)
{
	int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
	cleanup_free char *exe = gs_proc_which(opts->argv[0], env_path(opts->envp));
	if (!exe)
		return gs_error_set(err, ENOENT, "cannot run '%s'", opts->argv[0]);

	if (opts->capture_stdout && pipe2(out_pipe, O_CLOEXEC) < 0)
		return gs_error_set(err, errno, "pipe");
	if (opts->capture_stderr && pipe2(err_pipe, O_CLOEXEC) < 0) {
		int e = errno;
		if (out_pipe[0] >= 0) {
			close(out_pipe[0]);
			close(out_pipe[1]);
		}
		return gs_error_set(err, e, "pipe");
	}

	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		for (int i = 0; i < 2; i++) {
			if (out_pipe[i] >= 0)
				close(out_pipe[i]);
			if (err_pipe[i] >= 0)
				close(err_pipe[i]);
		}
		return gs_error_set(err, e, "fork");
	}
	if (pid == 0) {
		/* Child: only async-signal-safe calls from here on.  Its own
		 * process group lets gsimage kill the whole tree at once. */
		setpgid(0, 0);
		/* Die with gsimage, even when it is SIGKILLed and cannot clean up;
		 * if it already died before this line, do not start at all. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (out_pipe[1] >= 0)
			dup2(out_pipe[1], STDOUT_FILENO);
		else if (opts->stdout_to_stderr)
			dup2(STDERR_FILENO, STDOUT_FILENO);
		if (err_pipe[1] >= 0)
			dup2(err_pipe[1], STDERR_FILENO);
		if (opts->cwd && chdir(opts->cwd) < 0)
			_exit(127);
		execve(exe, opts->argv, opts->envp ? opts->envp : environ);
		_exit(127);
	}

	setpgid(pid, pid); /* also here: whichever runs first wins the race */
	int slot = running_add(pid);
	buf_t out = {0}, errb = {0};
	if (out_pipe[1] >= 0)
		close(out_pipe[1]);
	if (err_pipe[1] >= 0)
		close(err_pipe[1]);
	drain(out_pipe[0], &out, err_pipe[0], &errb);

	int ws;
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR) {
			running_remove(slot);
			free(out.data);
			free(errb.data);
			return gs_error_set(err, errno, "waiting for '%s'", opts->argv[0]);
		}
	}
	running_remove(slot);
	*wstatus = ws;
	if (opts->capture_stdout)
		*opts->capture_stdout = out.data ? out.data : xstrdup("");
	if (opts->capture_stderr)
		*opts->capture_stderr = errb.data ? errb.data : xstrdup("");
	return 0;
}

int gs_proc_run(const gs_proc_opts_t *opts, int *status, gs_error_t *err)
{
	int ws;
	if (run_wait(opts, &ws, err) < 0)
		return -1;
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return 0;
}

char *gs_proc_last_line(const char *s)
{
	size_t end = strlen(s);
	for (;;) {
		while (end > 0 && isspace((unsigned char)s[end - 1]))
			end--;
		size_t start = end;
		while (start > 0 && s[start - 1] != '\n')
			start--;
		size_t lead = start;
		while (lead < end && isspace((unsigned char)s[lead]))
			lead++;
		if (lead < end || start == 0)
			return xstrndup(s + lead, end - lead);
		end = start - 1;
	}
}

/* "'go list'": the program's base name, and its subcommand when the
 * second word is one (not an option). */
static char *command_name(char *const *argv)
{
	const char *slash = strrchr(argv[0], '/');
	const char *base = slash ? slash + 1 : argv[0];
	if (argv[1] && argv[1][0] && argv[1][0] != '-' && !strchr(argv[1], '/'))
		return x_asprintf("'%s %s'", base, argv[1]);
	return x_asprintf("'%s'", base);
}

int gs_proc_output(const gs_proc_opts_t *opts, char **out, char **errout, gs_error_t *err)
{
	*out = NULL;
	if (errout)
		*errout = NULL;
	cleanup_free char *o = NULL, *e = NULL;
	gs_proc_opts_t po = *opts;
	po.capture_stdout = &o;
	po.capture_stderr = &e;
	po.stdout_to_stderr = 0;
	int ws;
	if (run_wait(&po, &ws, err) < 0)
		return -1;
	if (errout)
		*errout = xstrdup(e);
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0) {
		*out = o;
		o = NULL;
		return 0;
	}
	cleanup_free char *name = command_name(opts->argv);
	cleanup_free char *why = gs_proc_last_line(e);
	cleanup_free char *how = WIFEXITED(ws)
		? x_asprintf("exited with status %d", WEXITSTATUS(ws))
		: x_asprintf("was killed by signal %d (%s)", WTERMSIG(ws), strsignal(WTERMSIG(ws)));
	/* More than the one line: all of it above the error line. */
	if (!gs_proc_says_one_line(e) && *why)
		gs_error_set_detail(err, e);
	return gs_error_set(err, 0, "%s %s%s%s", name, how, *why ? ": " : "", why);
}
