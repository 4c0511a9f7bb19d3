import type { ActionType, TargetType } from '../../contracts/index.ts';

/**
 * What each action type may act on (docs/RESPONSE.md): the one table the API checks a manual
 * request against and a playbook step's target type comes from (the first entry).
 */
export const ACTION_TARGETS: Readonly<Record<ActionType, readonly TargetType[]>> = {
  isolate_host: ['host', 'ip'],
  unisolate_host: ['host', 'ip'],
  quarantine_email: ['email_message'],
  block_sender: ['email', 'domain'],
  disable_user: ['user', 'email'],
  enable_user: ['user', 'email'],
  revoke_sessions: ['user', 'email'],
  reset_mfa: ['user', 'email'],
  block_ip: ['ip'],
  unblock_ip: ['ip'],
  block_domain: ['domain', 'url'],
  unblock_domain: ['domain', 'url'],
  block_hash: ['hash'],
  quarantine_resource: ['cloud_resource', 'host'],
  create_ticket: ['ticket'],
  update_ticket: ['ticket'],
  notify: ['channel'],
};

/** True when `target` is a type `action` may act on. */
export function targetAllowed(action: ActionType, target: TargetType): boolean {
  return ACTION_TARGETS[action].includes(target);
}

/** The target type a playbook step's rendered target gets: the action type's first. */
export function defaultTargetType(action: ActionType): TargetType {
  return ACTION_TARGETS[action][0]!;
}
