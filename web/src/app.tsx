import { Component, useCallback, useEffect, useMemo, useState, type ComponentType, type ReactNode } from 'react';
import { createApi } from './lib/api.js';
import { ApiContext } from './lib/hooks.js';
import { Link, match, navigate, useLocation, WorkspaceContext, type Location } from './lib/router.js';
import { session, WORKSPACE_PATTERN } from './lib/session.js';
import { KeyEntry } from './key-entry.js';
import { WorkspaceSwitcher } from './workspace-switcher.js';
import { NotFound } from './views/not-found.js';
import { Section } from './components/common.js';
import { OverviewView } from './views/overview/overview-view.js';
import { TasksView } from './views/tasks/tasks-view.js';
import { FlowsView } from './views/flows/flows-view.js';
import { FlowInstanceView } from './views/flows/flow-instance-view.js';
import { ProcessesView } from './views/processes/processes-view.js';
import { ProcessView } from './views/processes/process-view.js';
import { EndpointsView } from './views/endpoints/endpoints-view.js';

export interface ViewProps {
  params: Record<string, string>;
  location: Location;
}

// Every view lives under its workspace: /ui/w/<workspace>/<view>/<id>, so that a link names both.
const ROUTES: Array<[string, ComponentType<ViewProps>, string]> = [
  ['/w/:ws', OverviewView, 'overview'],
  ['/w/:ws/tasks', TasksView, 'tasks'],
  ['/w/:ws/tasks/:id', TasksView, 'tasks'],
  ['/w/:ws/flows', FlowsView, 'flows'],
  ['/w/:ws/flows/:flow', FlowsView, 'flows'],
  ['/w/:ws/flows/:flow/versions/:version', FlowsView, 'flows'],
  ['/w/:ws/flow-instances/:id', FlowInstanceView, 'flows'],
  ['/w/:ws/processes', ProcessesView, 'processes'],
  ['/w/:ws/processes/:wfid', ProcessView, 'processes'],
  ['/w/:ws/endpoints', EndpointsView, 'endpoints'],
  ['/w/:ws/endpoints/:id', EndpointsView, 'endpoints'],
];

const NAV: Array<[string, string]> = [
  ['overview', 'Overview'],
  ['tasks', 'Tasks'],
  ['flows', 'Flows'],
  ['processes', 'Processes'],
  ['endpoints', 'Endpoints'],
];

export function App() {
  const [key, setKey] = useState<string | null>(session.key);
  const [refused, setRefused] = useState<string | null>(null);
  const forget = useCallback((message: string) => {
    session.clearKey();
    setRefused(message);
    setKey(null);
  }, []);
  if (!key) {
    return (
      <KeyEntry
        error={refused}
        onKey={(k) => {
          session.setKey(k);
          setRefused(null);
          setKey(k);
        }}
      />
    );
  }
  return <Shell apiKey={key} onForbidden={forget} onLogout={() => forget('')} />;
}

function Shell(props: { apiKey: string; onForbidden(message: string): void; onLogout(): void }) {
  const location = useLocation();
  const found = useMemo(() => {
    for (const [pattern, view, section] of ROUTES) {
      const params = match(pattern, location.path);
      if (params && WORKSPACE_PATTERN.test(params.ws)) return { params, view, section };
    }
    return null;
  }, [location.path]);
  const workspace = found?.params.ws ?? session.workspace();

  useEffect(() => {
    if (location.path === '/' || location.path === '/w' || location.path === '/w/') navigate(`/w/${encodeURIComponent(session.workspace())}`, { replace: true });
  }, [location.path]);
  useEffect(() => {
    if (found) session.setWorkspace(workspace);
  }, [found, workspace]);

  // A 403 from any call, or a socket that fails while GET /v1/workspaces answers 403, means the key
  // was refused (revoked while the page was open): back to the key form with the server's message.
  const api = useMemo(() => createApi(props.apiKey, workspace, { onForbidden: props.onForbidden }), [props.apiKey, workspace, props.onForbidden]);
  // Another workspace opens on the same section's list: an id of this one means nothing there.
  const switchTo = (ws: string) => {
    const section = found && found.section !== 'overview' ? `/${found.section}` : '';
    navigate(`/w/${encodeURIComponent(ws)}${section}`);
  };
  const View = found?.view ?? NotFound;
  const prefix = `/w/${encodeURIComponent(workspace)}`;

  return (
    <ApiContext.Provider value={api}>
      <WorkspaceContext.Provider value={workspace}>
        <header className="top">
          <Link to={prefix} className="brand">
            weft
          </Link>
          <nav>
            {NAV.map(([section, label]) => (
              <Link key={section} to={section === 'overview' ? prefix : `${prefix}/${section}`} className={found?.section === section ? 'active' : undefined}>
                {label}
              </Link>
            ))}
          </nav>
          <span className="spacer" />
          <WorkspaceSwitcher apiKey={props.apiKey} workspace={workspace} onChange={switchTo} onForbidden={props.onForbidden} />
          <button type="button" className="link" onClick={props.onLogout} title="forget the key in this tab">
            change key
          </button>
        </header>
        <main className="view" data-view={found?.section ?? 'not-found'}>
          <ViewBoundary resetKey={location.path}>
            <View key={found ? workspace : 'nf'} params={found?.params ?? {}} location={location} />
          </ViewBoundary>
        </main>
      </WorkspaceContext.Provider>
    </ApiContext.Provider>
  );
}

/**
 * A view that fails while rendering shows why in its place, and the header, the workspace switcher
 * and the other views stay usable (React would unmount the whole page). Navigating elsewhere
 * (`resetKey`, the path) renders the view again.
 */
class ViewBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: Error | null }> {
  state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  componentDidUpdate(prev: { resetKey: string }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <Section title="This view failed">
        <p className="error" role="alert" id="view-error">
          {this.state.error.message}
        </p>
        <p className="muted">Reload the page, or open another view.</p>
      </Section>
    );
  }
}
