import { builder } from '../../graphql/builder.js';
import type { UserError } from '../../graphql/writes.js';
import { UserErrorRef, runWrite } from '../../graphql/writes.js';
import type { Settlement } from './settlement.repository.js';
import { SettlementRef } from './settlement.schema.js';
import { updateSettlement } from './settlement-write.service.js';

const SettlementPatchRef = builder.inputType('SettlementPatch', {
  description: 'Corrections to a settlement: only the fields given change; null clears an optional one.',
  fields: (t) => ({
    population: t.int({ description: 'Inhabitants, a whole number ≥ 0.' }),
    population65Plus: t.int({ description: 'Inhabitants aged 65 or more (at most population).' }),
    broadbandShare: t.float({
      description: 'Share of households with fast broadband, 0..1 (a village gets fibre).',
    }),
  }),
});

interface SettlementPayload {
  settlement: Settlement | null;
  errors: UserError[];
}

const SettlementPayloadRef = builder.objectRef<SettlementPayload>('SettlementPayload').implement({
  description: 'The result of a settlement write: the settlement as stored, or why nothing was changed.',
  fields: (t) => ({
    settlement: t.field({
      type: SettlementRef,
      nullable: true,
      resolve: (p) => p.settlement,
      description: 'The settlement after the write; null when it was refused.',
    }),
    errors: t.field({
      type: [UserErrorRef],
      resolve: (p) => p.errors,
      description: 'Why the write was refused; empty when it was accepted.',
    }),
  }),
});

builder.mutationFields((t) => ({
  updateSettlement: t.field({
    type: SettlementPayloadRef,
    description:
      'Corrects a settlement’s population, 65+ population or broadband share (planners: inside their municipalities/counties). Audited.',
    args: {
      id: t.arg.id({ required: true, description: 'The settlement.' }),
      input: t.arg({ type: SettlementPatchRef, required: true, description: 'The changes.' }),
    },
    resolve: async (_r, args, ctx) => {
      const fields = Object.fromEntries(Object.entries(args.input).filter(([, v]) => v !== undefined));
      const { value, errors } = await runWrite(ctx, 'updateSettlement', String(args.id), (p) =>
        updateSettlement(ctx.db, p, String(args.id), fields),
      );
      return { settlement: value, errors };
    },
  }),
}));
