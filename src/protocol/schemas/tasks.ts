/** The experimental tasks of 2025-11-25 (moved to an extension in 2026-07-28). */
import * as z from './zod.js';
import type { Gates, Registry } from './gates.js';
import type { JsonRpc } from './jsonrpc.js';
import type { Primitives } from './primitives.js';

export function buildTasks(g: Gates, r: Registry, p: Primitives, rpc: JsonRpc) {
  if (!g.is('2025-11-25')) return undefined;

  const TaskStatus = r.def(
    'TaskStatus',
    z.enum(['cancelled', 'completed', 'failed', 'input_required', 'working']),
  );
  const TaskMetadata = r.def('TaskMetadata', z.object({ ttl: z.optional(z.number()) }));
  r.def('RelatedTaskMetadata', z.object({ taskId: z.string() }));
  const task = {
    taskId: z.string(),
    status: TaskStatus,
    statusMessage: z.optional(z.string()),
    createdAt: z.string(),
    lastUpdatedAt: z.string(),
    ttl: z.nullable(z.number()),
    pollInterval: z.optional(z.number()),
  };
  const Task = r.def('Task', z.object(task));
  r.def('TaskAugmentedRequestParams', rpc.requestParams({ task: z.optional(TaskMetadata) }));
  r.def('CreateTaskResult', rpc.result({ task: Task }));

  const taskId = z.object({ taskId: z.string() });
  // `Result & Task`: `Result` is open, so extra members are kept.
  const taskResult = z.looseObject({ ...rpc.resultFields, ...task });
  const GetTaskRequest = r.def('GetTaskRequest', rpc.request('tasks/get', taskId));
  const GetTaskResult = r.def('GetTaskResult', taskResult);
  const GetTaskPayloadRequest = r.def('GetTaskPayloadRequest', rpc.request('tasks/result', taskId));
  const GetTaskPayloadResult = r.def(
    'GetTaskPayloadResult',
    z.looseObject({ _meta: z.optional(p.Meta) }),
  );
  const CancelTaskRequest = r.def('CancelTaskRequest', rpc.request('tasks/cancel', taskId));
  const CancelTaskResult = r.def('CancelTaskResult', taskResult);
  const ListTasksRequest = r.def('ListTasksRequest', rpc.listRequest('tasks/list'));
  const ListTasksResult = r.def('ListTasksResult', rpc.listResult({ tasks: z.array(Task) }));
  const TaskStatusNotificationParams = r.def(
    'TaskStatusNotificationParams',
    z.object({ _meta: rpc.notificationMeta, ...task }),
  );
  const TaskStatusNotification = r.def(
    'TaskStatusNotification',
    rpc.notification('notifications/tasks/status', TaskStatusNotificationParams),
  );

  return {
    TaskMetadata,
    GetTaskRequest,
    GetTaskResult,
    GetTaskPayloadRequest,
    GetTaskPayloadResult,
    CancelTaskRequest,
    CancelTaskResult,
    ListTasksRequest,
    ListTasksResult,
    TaskStatusNotification,
  };
}

export type Tasks = ReturnType<typeof buildTasks>;
