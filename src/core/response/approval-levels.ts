import { APPROVAL_LEVELS, type ApprovalLevel } from '../../contracts/index.ts';

/** Who decides an approval: the audit actor, the approval level they hold, and whether it is an admin key. */
export interface Approver {
  /** `user:alice`, `api_key:ab12cd34` (the audit actor; compared with the action's `requested_by`). */
  actor: string;
  level: ApprovalLevel;
  /** An admin API key: exempt from the four-eyes rule (automation, break-glass). */
  adminKey: boolean;
}

/** analyst < senior < manager. */
export function levelMeets(held: ApprovalLevel, required: ApprovalLevel): boolean {
  return APPROVAL_LEVELS.indexOf(held) >= APPROVAL_LEVELS.indexOf(required);
}
