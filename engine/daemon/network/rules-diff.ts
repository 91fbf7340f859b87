/**
 * The smallest iptables-restore input that turns the applied rules into the
 * wanted ones. Re-declaring a chain flushes and refills it, which costs
 * several times more than appending or deleting a rule (nf_tables: the
 * whole chain is rewritten); a container start that adds one published
 * port needs three rules, not a refill. Pure: both sides are restoreInput()
 * texts; undefined when a refill is needed (a chain was added or removed,
 * or the order could not be reached by inserts and deletes).
 */

type Tables = Map<string, { chains: string[]; rules: Map<string, string[]> }>;

function parse(input: string): Tables {
  const tables: Tables = new Map();
  let current: { chains: string[]; rules: Map<string, string[]> } | undefined;
  for (const line of input.split('\n')) {
    if (line.startsWith('*')) {
      current = { chains: [], rules: new Map() };
      tables.set(line.slice(1), current);
    } else if (line.startsWith(':') && current) {
      const chain = line.slice(1).split(' ')[0] ?? '';
      current.chains.push(chain);
      current.rules.set(chain, []);
    } else if (line.startsWith('-A ') && current) {
      const rest = line.slice(3);
      const sp = rest.indexOf(' ');
      const chain = rest.slice(0, sp);
      current.rules.get(chain)?.push(rest.slice(sp + 1));
    }
  }
  return tables;
}

export function rulesDiff(applied: string, wanted: string): string | undefined {
  const from = parse(applied);
  const to = parse(wanted);
  if ([...from.keys()].join() !== [...to.keys()].join()) return undefined;
  const out: string[] = [];
  for (const [table, want] of to) {
    const have = from.get(table);
    if (!have || have.chains.join() !== want.chains.join()) return undefined;
    const lines: string[] = [];
    for (const chain of want.chains) {
      const oldRules = have.rules.get(chain) ?? [];
      const newRules = want.rules.get(chain) ?? [];
      const wanted = new Set(newRules);
      // Deletes first, by rule text (the first match goes, as -D does).
      const kept: string[] = [];
      const pending = [...oldRules];
      for (const r of pending) {
        if (wanted.has(r) && !kept.includes(r)) kept.push(r);
        else lines.push(`-D ${chain} ${r}`);
      }
      // Then inserts at their places; the kept rules must already be in the wanted order.
      for (let i = 0; i < newRules.length; i++) {
        const r = newRules[i] ?? '';
        if (kept[i] === r) continue;
        if (kept.includes(r)) return undefined;
        kept.splice(i, 0, r);
        lines.push(`-I ${chain} ${i + 1} ${r}`);
      }
      if (kept.length !== newRules.length || kept.some((r, i) => r !== newRules[i])) return undefined;
    }
    if (lines.length > 0) out.push(`*${table}`, ...lines, 'COMMIT');
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}
