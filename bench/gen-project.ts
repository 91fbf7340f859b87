/**
 * Generates a Compose project of N services for the `config` benchmark: a
 * compose.yaml using extends and interpolation, an override file and a .env,
 * in the shape docker-compose v1 also understands (no top-level `name`).
 *
 *   node dist/bench/gen-project.js <dir> <services>
 */
import fs from 'node:fs';
import path from 'node:path';

export function generateProject(dir: string, count: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const main: string[] = ['services:', '  base:', '    image: busybox:${BUSYBOX_TAG}', '    restart: unless-stopped'];
  main.push('    environment:', '      LOG_LEVEL: ${LOG_LEVEL:-info}', '    labels:', '      tier: generated');
  const override: string[] = ['services:'];
  for (let i = 0; i < count; i++) {
    const name = `svc${i}`;
    main.push(
      `  ${name}:`,
      '    extends:',
      '      service: base',
      `    command: ["sh", "-c", "echo ${name}; sleep 3600"]`,
      '    ports:',
      `      - "${10000 + i}:80"`,
      '    volumes:',
      `      - ./data/${name}:/data`,
      `      - cache${i % 10}:/cache`,
      '    environment:',
      `      - SERVICE_INDEX=${i}`,
      `      - PEER=svc${(i + 1) % count}`,
      '    healthcheck:',
      '      test: wget -q -O- http://localhost/ || exit 1',
      '      interval: 30s',
      '      timeout: ${HC_TIMEOUT:-5s}',
    );
    if (i > 0) main.push('    depends_on:', `      - svc${i - 1}`);
    override.push(`  ${name}:`, '    environment:', `      - OVERRIDDEN=${i}`, '    labels:', `      index: "${i}"`);
  }
  main.push('volumes:');
  for (let v = 0; v < 10; v++) main.push(`  cache${v}:`);
  fs.writeFileSync(path.join(dir, 'docker-compose.yml'), `version: "3.8"\n${main.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'docker-compose.override.yml'), `version: "3.8"\n${override.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, '.env'), 'BUSYBOX_TAG=1.36\nLOG_LEVEL=debug\n');
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const [dir, n] = process.argv.slice(2);
  if (!dir || !n) {
    process.stderr.write('usage: gen-project.js <dir> <services>\n');
    process.exit(2);
  }
  generateProject(dir, Number(n));
}
