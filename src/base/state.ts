/** Names of the values main saves for the post step (GITHUB_STATE -> STATE_*). */
export const STATE = {
  /** JSON array of the private directories holding credential files. */
  credentialDirs: 'credential-dirs',
  /** 'true' when AWS_* credentials were exported. */
  awsExported: 'aws-exported',
  /** JSON `{"previous": string | null}`: DOCKER_CONFIG before main pointed it at its own directory. */
  dockerConfigRestore: 'docker-config-restore',
} as const;
