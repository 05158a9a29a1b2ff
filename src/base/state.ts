/** Names of the values main saves for the post step (GITHUB_STATE -> STATE_*). */
export const STATE = {
  /** JSON array of the private directories holding credential files. */
  credentialDirs: 'credential-dirs',
  /** 'true' when AWS_* credentials were exported. */
  awsExported: 'aws-exported',
  /** JSON `{"previous": string | null}`: DOCKER_CONFIG before main pointed it at its own directory. */
  dockerConfigRestore: 'docker-config-restore',
  /**
   * JSON `{"NAME": previous | null}`: variables main exported (an aws profile's
   * AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, AWS_PROFILE) with what they were before.
   */
  envRestore: 'env-restore',
} as const;
