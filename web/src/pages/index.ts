import type { ComponentType } from 'react';
import { DASHBOARD_PAGES, type DashboardPath } from '../../../src/contracts/dashboard.ts';
import { ApiKeysPage } from './api-keys.page.tsx';
import { ApprovalsPage } from './approvals.page.tsx';
import { AuditPage } from './audit.page.tsx';
import { ClusterPage } from './cluster.page.tsx';
import { ConnectorsPage } from './connectors.page.tsx';
import { IncidentPage } from './incident/incident.page.tsx';
import { IncidentsPage } from './incidents/incidents.page.tsx';
import { KillSwitchPage } from './kill-switch.page.tsx';
import { OverviewPage } from './overview.page.tsx';
import { PlaybooksPage } from './playbooks.page.tsx';
import { PoliciesPage } from './policies.page.tsx';
import { UsersPage } from './users.page.tsx';
import { WebhookSourcesPage } from './webhook-sources.page.tsx';

export interface PageProps {
  params: Record<string, string>;
}

export interface PageDef {
  /** `/incidents/:id`: a `:name` segment is a parameter (src/contracts/dashboard.ts). */
  path: DashboardPath;
  title: string;
  nav: boolean;
  component: ComponentType<PageProps>;
}

/** Every page of the shared list needs a component here: a path added there and not here fails tsc. */
const COMPONENTS: Record<DashboardPath, ComponentType<PageProps>> = {
  '/': OverviewPage,
  '/incidents': IncidentsPage,
  '/incidents/:id': IncidentPage,
  '/approvals': ApprovalsPage,
  '/playbooks': PlaybooksPage,
  '/policies': PoliciesPage,
  '/connectors': ConnectorsPage,
  '/webhook-sources': WebhookSourcesPage,
  '/users': UsersPage,
  '/api-keys': ApiKeysPage,
  '/kill-switch': KillSwitchPage,
  '/audit': AuditPage,
  '/cluster': ClusterPage,
};

export const PAGES: readonly PageDef[] = (Object.keys(DASHBOARD_PAGES) as DashboardPath[]).map((path) => ({
  path,
  ...DASHBOARD_PAGES[path],
  component: COMPONENTS[path],
}));

export function pageFor(path: string): { page: PageDef; params: Record<string, string> } | null {
  const parts = path.split('/').filter(Boolean);
  for (const page of PAGES) {
    const want = page.path.split('/').filter(Boolean);
    if (want.length !== parts.length) continue;
    const params: Record<string, string> = {};
    if (
      want.every((w, i) =>
        w.startsWith(':') ? (params[w.slice(1)] = decodeURIComponent(parts[i]!)) : w === parts[i],
      )
    )
      return { page, params };
  }
  return null;
}
