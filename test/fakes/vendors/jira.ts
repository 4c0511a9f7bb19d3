import { type Answer, basic, bearer, LoopbackVendor, type SeenRequest } from './loopback.ts';

interface Issue {
  id: string;
  key: string;
  fields: Record<string, unknown>;
  labels: string[];
  comments: { id: string; body: unknown; properties: { key: string; value: unknown }[] }[];
  status: string;
}

/**
 * Jira REST (Cloud v3 and Data Center v2): create issue, JQL search on `labels = "…"`, comments with
 * entity properties (and `expand=properties`), transitions, myself. Basic (e-mail + API token) or
 * bearer PAT auth; Jira's `{errorMessages, errors}` bodies.
 */
export class FakeJira extends LoopbackVendor {
  static readonly EMAIL = 'soc-bot@acme.example';
  static readonly TOKEN = 'ATATT3xFfGF0-token';
  static readonly PAT = 'NjE2-dc-pat';
  readonly issues = new Map<string, Issue>();

  constructor() {
    super((req) => this.#route(req));
    this.issues.set('SEC-1', {
      id: '10001',
      key: 'SEC-1',
      fields: {},
      labels: [],
      comments: [],
      status: 'Open',
    });
  }

  #authed(req: SeenRequest): boolean {
    const b = basic(req);
    return (b?.user === FakeJira.EMAIL && b.password === FakeJira.TOKEN) || bearer(req) === FakeJira.PAT;
  }

  #route(req: SeenRequest): Answer {
    if (!this.#authed(req))
      return { status: 401, body: { errorMessages: ['You are not authenticated.'], errors: {} } };
    const m = /^\/rest\/api\/(2|3)(\/.*)$/.exec(req.path);
    if (!m) return { status: 404, body: { errorMessages: ['Not found'], errors: {} } };
    const path = m[2]!;
    if (path === '/myself' && req.method === 'GET')
      return { status: 200, body: { accountId: '5b10a2844c20165700ede21g', name: 'soc-bot' } };
    if ((path === '/search/jql' || path === '/search') && req.method === 'GET') {
      const label = /^labels\s*=\s*"([^"]+)"$/.exec(req.query.get('jql') ?? '')?.[1];
      if (!label) return { status: 400, body: { errorMessages: ['Error in the JQL Query'], errors: {} } };
      const issues = [...this.issues.values()]
        .filter((i) => i.labels.includes(label))
        .map((i) => ({ id: i.id, key: i.key }));
      return { status: 200, body: { issues } };
    }
    if (path === '/issue' && req.method === 'POST') {
      const f = (req.json as { fields?: Record<string, unknown> } | undefined)?.fields ?? {};
      const project = (f.project as { key?: string } | undefined)?.key;
      if (project !== 'SEC')
        return { status: 400, body: { errorMessages: [], errors: { project: 'valid project is required' } } };
      if (typeof f.summary !== 'string' || f.summary.length > 255 || /[\r\n]/.test(f.summary))
        return { status: 400, body: { errorMessages: [], errors: { summary: 'invalid summary' } } };
      if (m[1] === '3' && (f.description as { type?: string } | undefined)?.type !== 'doc')
        return {
          status: 400,
          body: {
            errorMessages: [],
            errors: { description: 'Operation value must be an Atlassian Document.' },
          },
        };
      if (m[1] === '2' && typeof f.description !== 'string')
        return { status: 400, body: { errorMessages: [], errors: { description: 'must be a string' } } };
      const n = this.issues.size + 1;
      const issue: Issue = {
        id: String(10000 + n),
        key: `SEC-${n}`,
        fields: f,
        labels: (f.labels as string[]) ?? [],
        comments: [],
        status: 'Open',
      };
      this.issues.set(issue.key, issue);
      return {
        status: 201,
        body: { id: issue.id, key: issue.key, self: `/rest/api/${m[1]}/issue/${issue.id}` },
      };
    }
    const c = /^\/issue\/([A-Z0-9_]+-\d+)\/(comment|transitions)$/.exec(path);
    const issue = c ? this.issues.get(c[1]!) : undefined;
    if (!c || !issue)
      return {
        status: 404,
        body: {
          errorMessages: ['Issue does not exist or you do not have permission to see it.'],
          errors: {},
        },
      };
    if (c[2] === 'comment' && req.method === 'GET') {
      const expand = req.query.get('expand') === 'properties';
      return {
        status: 200,
        body: {
          comments: issue.comments.map((x) => ({
            id: x.id,
            body: x.body,
            ...(expand ? { properties: x.properties } : {}),
          })),
        },
      };
    }
    if (c[2] === 'comment' && req.method === 'POST') {
      const b = req.json as { body?: unknown; properties?: { key: string; value: unknown }[] } | undefined;
      if (!b?.body)
        return {
          status: 400,
          body: { errorMessages: [], errors: { comment: 'Comment body can not be empty!' } },
        };
      const comment = {
        id: String(20000 + issue.comments.length + 1),
        body: b.body,
        properties: b.properties ?? [],
      };
      issue.comments.push(comment);
      return { status: 201, body: { id: comment.id } };
    }
    if (c[2] === 'transitions' && req.method === 'POST') {
      const id = (req.json as { transition?: { id?: string } } | undefined)?.transition?.id;
      if (id !== '31')
        return {
          status: 400,
          body: { errorMessages: ['Transition id is not valid for this issue.'], errors: {} },
        };
      issue.status = 'Done';
      return { status: 204 };
    }
    return { status: 405, body: { errorMessages: ['Method not allowed'], errors: {} } };
  }
}
