/* Child processes for the speech engines: posix_spawnp, no shell, stderr kept for the error. */
#include "synth_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int al_synth_have_program(const char *name) {
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n && n < 1000) {
            char full[1200];
            snprintf(full, sizeof full, "%.*s/%s", (int)n, path, name);
            struct stat sb;
            if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode) && access(full, X_OK) == 0) return 1;
        }
        path += n + (path[n] == ':');
    }
    return 0;
}

/* The last non-empty line of a file, for error messages. */
static void last_line(const char *path, char *buf, size_t size) {
    buf[0] = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return;
    char line[512];
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0]) snprintf(buf, size, "%s", line);
    }
    fclose(fp);
}

al_status al_synth_spawn(char *const argv[], const char *stdout_path, const char *err_path) {
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0) return al_error(AL_ERR_NOMEM, "%s: cannot spawn", argv[0]);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, stdout_path ? stdout_path : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return al_error(rc == ENOENT ? AL_ERR_NOT_FOUND : AL_ERR_EXTERNAL, "%s: cannot run: %s", argv[0],
                        strerror(rc));
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return al_error(AL_ERR_EXTERNAL, "%s: waitpid failed: %s", argv[0], strerror(errno));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return AL_OK;
    char cmd[512] = "", err[512];
    for (int i = 0; argv[i]; i++) {
        size_t len = strlen(cmd);
        snprintf(cmd + len, sizeof cmd - len, "%s%s", i ? " " : "", argv[i]);
    }
    last_line(err_path, err, sizeof err);
    if (WIFSIGNALED(status))
        return al_error(AL_ERR_EXTERNAL, "'%s' killed by signal %d: %s", cmd, WTERMSIG(status), err);
    return al_error(AL_ERR_EXTERNAL, "'%s' failed (exit %d): %s", cmd, WEXITSTATUS(status), err);
}
