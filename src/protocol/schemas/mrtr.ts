/**
 * Multi round-trip requests (2026-07-28): `InputRequiredResult`, input requests and responses,
 * and the retry fields of `tools/call`, `prompts/get` and `resources/read`.
 */
import * as z from './zod.js';
import { fields, must, only, type Gates, type Registry } from './gates.js';
import type { Elicitation } from './elicitation.js';
import type { JsonRpc } from './jsonrpc.js';
import type { Sampling } from './sampling.js';

export function buildMrtr(g: Gates, r: Registry, rpc: JsonRpc, s: Sampling, e: Elicitation) {
  const modern = g.since('2026-07-28');
  const elicitation = () => must(e, 'elicitation');

  const InputRequest = r.def(
    'InputRequest',
    only(modern, () =>
      z.discriminatedUnion('method', [
        s.CreateMessageRequest,
        s.ListRootsRequest,
        elicitation().ElicitRequest,
      ]),
    ),
  );
  const InputRequests = r.def(
    'InputRequests',
    only(modern, () => z.record(z.string(), must(InputRequest, 'InputRequest'))),
  );
  const InputResponse = r.def(
    'InputResponse',
    only(modern, () =>
      z.union([s.CreateMessageResult, s.ListRootsResult, elicitation().ElicitResult]),
    ),
  );
  const InputResponses = r.def(
    'InputResponses',
    only(modern, () => z.record(z.string(), must(InputResponse, 'InputResponse'))),
  );
  /** Retry fields of the three MRTR-capable requests. */
  const retryFields = fields(modern, () => ({
    inputResponses: z.optional(must(InputResponses, 'InputResponses')),
    requestState: z.optional(z.string()),
  }));
  r.def(
    'InputResponseRequestParams',
    only(modern, () => rpc.requestParams(retryFields)),
  );
  const InputRequiredResult = r.def(
    'InputRequiredResult',
    only(modern, () =>
      rpc.result({
        inputRequests: z.optional(must(InputRequests, 'InputRequests')),
        requestState: z.optional(z.string()),
      }),
    ),
  );

  /**
   * The result of an MRTR-capable request: the complete result or an `InputRequiredResult`.
   * The complete result comes first: the official `InputRequiredResult` only requires a string
   * `resultType`, so trying it first would accept (and strip) every complete result.
   */
  const orInputRequired = <T extends z.ZodMiniType>(complete: T) =>
    z.union([complete, must(InputRequiredResult, 'InputRequiredResult')]);

  return {
    InputRequest,
    InputRequests,
    InputResponse,
    InputResponses,
    InputRequiredResult,
    retryFields,
    orInputRequired,
  };
}

export type Mrtr = ReturnType<typeof buildMrtr>;
