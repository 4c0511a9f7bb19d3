export { BullMqJobQueue } from './bullmq.job-queue.ts';
export type { BullMqJobQueueOptions } from './bullmq.job-queue.ts';
