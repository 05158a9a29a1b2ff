import { report } from '../../base/report.js';
import { defineMode, type CommonSettings } from '../contract.js';

export interface TokenSettings extends CommonSettings {
  mode: 'token';
}

/** token: the ID token itself, masked, as an output for any other consumer. */
export const tokenMode = defineMode<TokenSettings>({
  name: 'token',
  picks: [],
  owns: [],
  read: (_input, common) => ({ ...common, mode: 'token' }),
  load: () =>
    Promise.resolve({
      prepare: () =>
        Promise.resolve({
          run: (ctx) =>
            Promise.resolve(
              report({
                outputs: [['id-token', ctx.token]],
                rows: [['output', '`id-token` (masked)']],
              }),
            ),
        }),
    }),
});
