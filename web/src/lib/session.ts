// The key is entered once per browser tab and kept in sessionStorage (gone when the tab closes).
const KEY = 'weft.key';
const WORKSPACE = 'weft.workspace';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  setKey: (key: string) => sessionStorage.setItem(KEY, key),
  clearKey: () => sessionStorage.removeItem(KEY),
  workspace: (): string => sessionStorage.getItem(WORKSPACE) ?? 'default',
  setWorkspace: (ws: string) => sessionStorage.setItem(WORKSPACE, ws),
};

export const WORKSPACE_PATTERN = /^[A-Za-z0-9_-]+$/;
