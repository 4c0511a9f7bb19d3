import type { ComponentType } from 'react';
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
  /** `/incidents/:id`: a `:name` segment is a parameter. Keep in step with src/api/routes/dashboard.routes.ts. */
  path: string;
  title: string;
  nav: boolean;
  component: ComponentType<PageProps>;
}

export const PAGES: readonly PageDef[] = [
  { path: '/', title: 'Overview', nav: true, component: OverviewPage },
  { path: '/incidents', title: 'Incidents', nav: true, component: IncidentsPage },
  { path: '/incidents/:id', title: 'Incident', nav: false, component: IncidentPage },
  { path: '/approvals', title: 'Approvals', nav: true, component: ApprovalsPage },
  { path: '/playbooks', title: 'Playbooks', nav: true, component: PlaybooksPage },
  { path: '/policies', title: 'Policies', nav: true, component: PoliciesPage },
  { path: '/connectors', title: 'Connectors', nav: true, component: ConnectorsPage },
  { path: '/webhook-sources', title: 'Webhook sources', nav: true, component: WebhookSourcesPage },
  { path: '/users', title: 'Users', nav: true, component: UsersPage },
  { path: '/api-keys', title: 'API keys', nav: true, component: ApiKeysPage },
  { path: '/kill-switch', title: 'Kill switch', nav: true, component: KillSwitchPage },
  { path: '/audit', title: 'Audit', nav: true, component: AuditPage },
  { path: '/cluster', title: 'Cluster', nav: true, component: ClusterPage },
];

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
