/** Where the action writes credential files; the post step removes them (action/file-store.ts). */
export interface FileStore {
  /** Writes `content` to a new file (mode 0600 from creation) and returns its absolute path. */
  write(fileName: string, content: string): string;
}
