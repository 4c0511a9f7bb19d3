/**
 * The dashboard's pages: the one list the API (which answers index.html on each path) and the
 * browser-side router (which maps each path to a component) both read. `:name` is a parameter.
 */
export const DASHBOARD_PAGES = {
  '/': { title: 'Overview', nav: true },
  '/incidents': { title: 'Incidents', nav: true },
  '/incidents/:id': { title: 'Incident', nav: false },
  '/approvals': { title: 'Approvals', nav: true },
  '/playbooks': { title: 'Playbooks', nav: true },
  '/policies': { title: 'Policies', nav: true },
  '/connectors': { title: 'Connectors', nav: true },
  '/webhook-sources': { title: 'Webhook sources', nav: true },
  '/users': { title: 'Users', nav: true },
  '/api-keys': { title: 'API keys', nav: true },
  '/kill-switch': { title: 'Kill switch', nav: true },
  '/audit': { title: 'Audit', nav: true },
  '/cluster': { title: 'Cluster', nav: true },
} as const satisfies Record<string, { title: string; nav: boolean }>;

export type DashboardPath = keyof typeof DASHBOARD_PAGES;

/** Paths the server answers with index.html: every page, plus the login screen. */
export const DASHBOARD_PATHS: readonly string[] = ['/login', ...Object.keys(DASHBOARD_PAGES)];
