/**
 * BullMQ refuses custom job ids that look like integers or contain `:`, both fine as our ids. Our
 * ids are mapped reversibly: `%` and `:` are percent-encoded and a `~` is put in front.
 */
export function toBullId(id: string): string {
  if (!id) throw new RangeError('Job id must not be empty');
  return `~${id.replace(/%/g, '%25').replace(/:/g, '%3A')}`;
}

export function fromBullId(bullId: string): string {
  return bullId.slice(1).replace(/%3A/g, ':').replace(/%25/g, '%');
}
