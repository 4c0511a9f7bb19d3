/**
 * Offline validation of Kubernetes objects, for the deployment tests.
 *
 * Built-in kinds are checked against the Kubernetes 1.27 OpenAPI schemas shipped in
 * `kubernetes-models` (construct the model, call `.validate()`), plus a strict-field pass: the
 * generated validators ignore fields they do not know, while the API server (strict field validation,
 * the kubectl default) rejects them, so every field of the object that the validator never looked at
 * is reported as unknown. That catches typos such as `livenesProbe` or a mis-indented block.
 *
 * Kinds from CRDs without models (ServiceMonitor, PrometheusRule, VerticalPodAutoscaler, KEDA
 * ScaledObject, Traefik Middleware) are checked structurally: a JSON schema covering the fields these
 * manifests use, copied from each project's CRD, closed with additionalProperties: false.
 */
import Schema from 'typebox/schema';
import { ConfigMap, PersistentVolumeClaim, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';

type Obj = Record<string, unknown>;
interface ModelLike {
  validate(): void;
}
type ModelCtor = new (data: never) => ModelLike;

const MODELS: Record<string, ModelCtor> = {
  'v1/ConfigMap': ConfigMap as unknown as ModelCtor,
  'v1/Secret': Secret as unknown as ModelCtor,
  'v1/Service': Service as unknown as ModelCtor,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelCtor,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as unknown as ModelCtor,
  'apps/v1/Deployment': Deployment as unknown as ModelCtor,
  'apps/v1/StatefulSet': StatefulSet as unknown as ModelCtor,
  'batch/v1/Job': Job as unknown as ModelCtor,
  'networking.k8s.io/v1/Ingress': Ingress as unknown as ModelCtor,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as ModelCtor,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as ModelCtor,
};

// ---------------------------------------------------------------- CRD schemas (fields used here)

const S = { type: 'string' } as const;
const I = { type: 'integer' } as const;
const closed = (properties: Obj, required: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const metadata = closed(
  {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 253 },
    namespace: S,
    labels: stringMap,
    annotations: stringMap,
  },
  ['name'],
);
const crd = (apiVersion: string, kind: string, spec: Obj) =>
  closed({ apiVersion: { const: apiVersion }, kind: { const: kind }, metadata, spec }, [
    'apiVersion',
    'kind',
    'metadata',
    'spec',
  ]);
const labelSelector = closed({
  matchLabels: stringMap,
  matchExpressions: {
    type: 'array',
    items: closed(
      {
        key: S,
        operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
        values: { type: 'array', items: S },
      },
      ['key', 'operator'],
    ),
  },
});
const duration = {
  type: 'string',
  pattern: '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$',
};
const resourceList = closed({ cpu: { type: ['string', 'number'] }, memory: { type: ['string', 'number'] } });
const crossVersionRef = closed({ apiVersion: S, kind: S, name: S }, ['kind', 'name']);

export const CRD_SCHEMAS: Record<string, Obj> = {
  // monitoring.coreos.com/v1 ServiceMonitor (prometheus-operator CRD).
  'monitoring.coreos.com/v1/ServiceMonitor': crd(
    'monitoring.coreos.com/v1',
    'ServiceMonitor',
    closed(
      {
        selector: labelSelector,
        namespaceSelector: closed({ any: { type: 'boolean' }, matchNames: { type: 'array', items: S } }),
        jobLabel: S,
        endpoints: {
          type: 'array',
          minItems: 1,
          items: closed({
            port: S,
            targetPort: { type: ['string', 'integer'] },
            path: S,
            scheme: { enum: ['http', 'https'] },
            interval: duration,
            scrapeTimeout: duration,
            honorLabels: { type: 'boolean' },
          }),
        },
      },
      ['selector', 'endpoints'],
    ),
  ),
  // monitoring.coreos.com/v1 PrometheusRule.
  'monitoring.coreos.com/v1/PrometheusRule': crd(
    'monitoring.coreos.com/v1',
    'PrometheusRule',
    closed(
      {
        groups: {
          type: 'array',
          items: closed(
            {
              name: { type: 'string', minLength: 1 },
              interval: duration,
              rules: {
                type: 'array',
                items: closed(
                  {
                    alert: S,
                    record: S,
                    expr: { type: ['string', 'integer'], minLength: 1 },
                    for: duration,
                    labels: stringMap,
                    annotations: stringMap,
                  },
                  ['expr'],
                ),
              },
            },
            ['name', 'rules'],
          ),
        },
      },
      ['groups'],
    ),
  ),
  // autoscaling.k8s.io/v1 VerticalPodAutoscaler (kubernetes/autoscaler CRD).
  'autoscaling.k8s.io/v1/VerticalPodAutoscaler': crd(
    'autoscaling.k8s.io/v1',
    'VerticalPodAutoscaler',
    closed(
      {
        targetRef: crossVersionRef,
        updatePolicy: closed({
          updateMode: { enum: ['Off', 'Initial', 'Recreate', 'Auto'] },
          minReplicas: I,
        }),
        resourcePolicy: closed({
          containerPolicies: {
            type: 'array',
            items: closed({
              containerName: S,
              mode: { enum: ['Auto', 'Off'] },
              minAllowed: resourceList,
              maxAllowed: resourceList,
              controlledResources: { type: 'array', items: { enum: ['cpu', 'memory'] } },
              controlledValues: { enum: ['RequestsAndLimits', 'RequestsOnly'] },
            }),
          },
        }),
      },
      ['targetRef'],
    ),
  ),
  // keda.sh/v1alpha1 ScaledObject.
  'keda.sh/v1alpha1/ScaledObject': crd(
    'keda.sh/v1alpha1',
    'ScaledObject',
    closed(
      {
        scaleTargetRef: closed({ apiVersion: S, kind: S, name: S, envSourceContainerName: S }, ['name']),
        // The HPA KEDA creates: autoscaling/v2 HorizontalPodAutoscalerBehavior.
        advanced: closed({
          restoreToOriginalReplicaCount: { type: 'boolean' },
          horizontalPodAutoscalerConfig: closed({
            name: S,
            behavior: closed(
              Object.fromEntries(
                ['scaleUp', 'scaleDown'].map((k) => [
                  k,
                  closed({
                    stabilizationWindowSeconds: I,
                    selectPolicy: { enum: ['Max', 'Min', 'Disabled'] },
                    policies: {
                      type: 'array',
                      items: closed({ type: { enum: ['Pods', 'Percent'] }, value: I, periodSeconds: I }, [
                        'type',
                        'value',
                        'periodSeconds',
                      ]),
                    },
                  }),
                ]),
              ),
            ),
          }),
        }),
        pollingInterval: I,
        cooldownPeriod: I,
        minReplicaCount: I,
        maxReplicaCount: I,
        triggers: {
          type: 'array',
          minItems: 1,
          items: closed(
            {
              type: { enum: ['prometheus', 'cpu', 'memory', 'redis'] },
              name: S,
              metricType: { enum: ['AverageValue', 'Value', 'Utilization'] },
              metadata: stringMap,
            },
            ['type', 'metadata'],
          ),
        },
      },
      ['scaleTargetRef', 'triggers'],
    ),
  ),
  // traefik.io/v1alpha1 Middleware (only the rateLimit middleware is used).
  'traefik.io/v1alpha1/Middleware': crd(
    'traefik.io/v1alpha1',
    'Middleware',
    closed({
      rateLimit: closed({
        average: { type: ['integer', 'string'] },
        burst: { type: ['integer', 'string'] },
        period: { type: ['string', 'integer'] },
      }),
    }),
  ),
};

// ---------------------------------------------------------------- strict-field tracking

/** Wraps `root` so that every property read is recorded; returns the proxy and a report function. */
function tracked(root: Obj): { proxy: Obj; unknown: () => string[] } {
  const seen = new WeakMap<object, Set<PropertyKey>>();
  const proxies = new WeakMap<object, object>();
  const paths = new WeakMap<object, string>();
  const wrap = (value: unknown, path: string): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const cached = proxies.get(value);
    if (cached) return cached;
    paths.set(value, path);
    seen.set(value, new Set());
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        seen.get(target)!.add(key);
        const v = Reflect.get(target, key, receiver) as unknown;
        if (typeof key === 'symbol' || typeof v === 'function') return v;
        return wrap(v, `${path}${Array.isArray(target) ? `[${String(key)}]` : `.${String(key)}`}`);
      },
      has(target, key) {
        seen.get(target)!.add(key);
        return Reflect.has(target, key);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  const proxy = wrap(root, '') as Obj;
  const unknown = (): string[] => {
    const out: string[] = [];
    const visit = (value: unknown) => {
      if (typeof value !== 'object' || value === null) return;
      const keys = seen.get(value);
      if (!keys) return; // never reached by the validator: its parent's field is reported instead
      if (!Array.isArray(value)) {
        for (const k of Object.keys(value))
          if (!keys.has(k)) out.push(`${paths.get(value)}.${k}`.replace(/^\./, ''));
      }
      for (const v of Object.values(value)) visit(v);
    };
    visit(root);
    return out;
  };
  return { proxy, unknown };
}

// ---------------------------------------------------------------- entry point

export interface ValidationIssue {
  object: string;
  message: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kinds this module can check (models or CRD schemas). */
export function knownKind(apiVersion: string, kind: string): boolean {
  return `${apiVersion}/${kind}` in MODELS || `${apiVersion}/${kind}` in CRD_SCHEMAS;
}

/** Validates one object; returns the problems found (empty when valid). */
export function validateObject(object: Obj): ValidationIssue[] {
  const apiVersion = String(object.apiVersion);
  const kind = String(object.kind);
  const meta = (object.metadata ?? {}) as Obj;
  const id = `${kind}/${String(meta.name)}`;
  const issues: ValidationIssue[] = [];
  const key = `${apiVersion}/${kind}`;

  const name = String(meta.name ?? '');
  const nameLimit = kind === 'Service' ? 63 : 253;
  if (!DNS1123_LABEL.test(name) || name.length > nameLimit)
    issues.push({
      object: id,
      message: `metadata.name "${name}" is not a DNS-1123 name of at most ${nameLimit} characters`,
    });
  for (const [k, v] of Object.entries((meta.labels ?? {}) as Obj)) {
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
      issues.push({ object: id, message: `label ${k}="${String(v)}" is not a valid label value` });
  }

  const Model = MODELS[key];
  if (Model) {
    const model = new Model(structuredClone(object) as never);
    const { proxy, unknown } = tracked(model as unknown as Obj);
    try {
      (Model.prototype.validate as () => void).call(proxy);
    } catch (err) {
      issues.push({ object: id, message: (err as Error).message });
      return issues;
    }
    for (const field of unknown()) issues.push({ object: id, message: `unknown field ${field}` });
    return issues;
  }
  const schema = CRD_SCHEMAS[key];
  if (schema) {
    const [ok, errors] = Schema.Errors(schema as never, object);
    if (!ok)
      for (const e of errors.slice(0, 10))
        issues.push({ object: id, message: `${e.instancePath || '(root)'} ${e.message}` });
    return issues;
  }
  issues.push({ object: id, message: `no model or schema for ${key}` });
  return issues;
}
