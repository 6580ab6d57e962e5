/*
 * The signing process. Whatever touches the signing key (the token's PIN,
 * a key file, osslsigncode with the pkcs11 engine, the CMS signer) runs in
 * a child process of its own, started here for one request and gone when
 * it is done, so that the step that asked never holds the PIN or the key.
 *
 * A request to sign names files of a build's output folder, not paths: the
 * signer refuses a name that is not a plain file name with the extension of
 * a PE image (.sys, .dll, .exe), a catalog (.cat) or an MSI (.msi), a file
 * reached through a symlink or outside that folder, a hard link, and a file
 * whose bytes are not of its kind (MZ + PE header, DER PKCS#7 signedData,
 * OLE compound document). It copies each file into a private folder (0700)
 * it owns, signs the copy, verifies the signature against the CA, and only
 * then puts the signed file in the destination folder.
 *
 * Messages and tool output go to log_fd. Nothing secret is ever on a
 * command line: osslsigncode reads the PIN from keys.pin_file
 * (-readpass), the engine gets it in memory.
 */
#ifndef PVCI_SIGNER_H
#define PVCI_SIGNER_H

struct keys_paths;

/* 1 when name is one the signer accepts to sign (by its extension). */
int signer_name_is_signable(const char *name);

/*
 * Signs src_dir/names[i] into dst_dir/names[i] (n files), desc the
 * signature's description, work_dir where the private folder goes.
 * Returns 0; -2 when a file was refused (not of its kind, a symlink, a
 * hard link: the build's outputs are wrong); -1 when signing failed
 * (logged).
 */
int signer_sign_files(const struct keys_paths *kp, const char *src_dir,
		      const char *const *names, int n, const char *dst_dir,
		      const char *work_dir, const char *desc, int log_fd);

/* Detached DER CMS signature of data_path into sig_path, in the signer. */
int signer_sign_cms(const struct keys_paths *kp, const char *data_path,
		    const char *sig_path, int log_fd);

#endif
