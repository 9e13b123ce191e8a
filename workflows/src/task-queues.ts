export const DEFAULT_TASK_QUEUE = 'chipgate';

/** The shared task queue every worker polls; chip sockets also get a per-worker queue (see worker/). */
export const CHIPGATE_TASK_QUEUE = process.env.CHIPGATE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
