/* Keel's dropbear options (ports/dropbear): copied into the source tree as localoptions.h,
 * which dropbear's default_options.h reads first. Configuration only. */

/* Login sessions find busybox's applets (/bin, /usr/bin) and dropbear's scp (/usr/bin): OpenSSH's
 * `scp -O` runs `scp -t` on the server through the user's shell. */
#define DEFAULT_PATH "/usr/bin:/bin"
#define DEFAULT_ROOT_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

/* Keel has no sftp-server; OpenSSH clients must use `scp -O`. */
#define DROPBEAR_SFTPSERVER 0

/* Password (crypt() against /etc/shadow) and public-key logins, both on (the defaults, spelled
 * out because Keel's tests use both). */
#define DROPBEAR_SVR_PASSWORD_AUTH 1
#define DROPBEAR_SVR_PUBKEY_AUTH 1
