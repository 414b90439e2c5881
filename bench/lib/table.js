// Turning the raw figures into the table rows (with targets) and the printed Markdown table.

const num = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const rate = (figure) => num(figure?.perSecond);

function fmt(value, unit) {
  if (value === undefined) return '—';
  if (unit === 'ms' || unit === 'MB') return `${value.toFixed(1)} ${unit}`;
  return `${Math.round(value).toLocaleString('en-US')}/s`;
}

/** A ratio check: `value / reference >= min` (higher is better). */
function atLeast(label, value, reference, min) {
  if (value === undefined || reference === undefined) return { text: '—', target: `≥ ${min}× ${label}`, pass: undefined };
  const ratio = value / reference;
  return { text: `${ratio.toFixed(2)}× ${label}`, target: `≥ ${min}× ${label}`, pass: ratio >= min, ratio };
}

function row(id, name, unit, columns, checks = [], note) {
  const format = (v) => fmt(num(v), unit);
  const statuses = checks.map((check) => (check.pass === undefined ? 'ERROR' : check.pass ? 'PASS' : 'MISS'));
  return {
    id,
    case: name,
    unit,
    ours: num(columns.ours),
    bare: num(columns.bare),
    peer: num(columns.peer),
    floor: num(columns.floor),
    cells: { ours: format(columns.ours), bare: format(columns.bare), peer: format(columns.peer), floor: format(columns.floor) },
    ratio: checks.map((check) => check.text).join('; ') || (note ?? '—'),
    target: checks.map((check) => check.target).join('; ') || '—',
    status: statuses.join('; ') || '—',
    checks: checks.map((check, i) => ({ target: check.target, ratio: check.ratio, status: statuses[i] })),
  };
}

/** The server columns of one throughput case (`refresh`, `flow-oidc`, …) at `c` connections; the floor has no OpenID variant. */
function serverColumns(f, kind, c) {
  const plain = kind.replace(/-oidc$/, '');
  return {
    ours: rate(f[`${kind}.ours.c${c}`]),
    bare: rate(f[`${kind}.bare.c${c}`]),
    peer: rate(f[`${kind}.peer.c${c}`]),
    floor: rate(f[`${plain}.floor.c${c}`]),
  };
}

export function buildRows(f, settings) {
  const rows = [];
  const kinds = [
    ['', 'OAuth scopes'],
    ['-oidc', 'OpenID scopes, id_token signed'],
  ];
  for (const [suffix, label] of kinds) {
    for (const c of [1, 32]) {
      const columns = serverColumns(f, `refresh${suffix}`, c);
      rows.push(
        row(`refresh${suffix}.opaque.c${c}`, `refresh grant, opaque, ${label}, c=${c}`, 'req/s', columns, [
          atLeast('peer', columns.ours, columns.peer, 2.5),
          atLeast('bare', columns.ours, columns.bare, 0.85),
        ]),
      );
    }
  }
  for (const c of [1, 32]) {
    const { peer, floor } = serverColumns(f, 'refresh', c);
    const ours = rate(f[`refresh.oursJwt.c${c}`]);
    rows.push(
      row(`refresh.jwt.c${c}`, `refresh grant, jwt access token, OAuth scopes, c=${c}`, 'req/s', { ours, peer, floor }, [atLeast('peer', ours, peer, 1.5)]),
    );
  }
  for (const [suffix, label] of kinds) {
    for (const c of [1, 32]) {
      const columns = serverColumns(f, `flow${suffix}`, c);
      rows.push(
        row(`flow${suffix}.c${c}`, `full auth-code flow (authorize chain + exchange), ${label}, c=${c}, flows/s`, 'req/s', columns, [
          atLeast('peer', columns.ours, columns.peer, 1.0),
        ]),
      );
    }
  }

  const fixtureOurs = num(f['fixture.ours']?.medianMs);
  const fixturePeer = num(f['fixture.peer']?.medianMs);
  rows.push(
    row(
      'fixture.started',
      `fixture: start + first token set + close (median of ${settings.fixtureIterations - 1})`,
      'ms',
      { ours: fixtureOurs, peer: fixturePeer },
      [
        {
          text: fixtureOurs && fixturePeer ? `${(fixtureOurs / fixturePeer).toFixed(2)}× peer time` : '—',
          target: '< 25 ms',
          pass: fixtureOurs === undefined ? undefined : fixtureOurs < 25,
          ratio: fixtureOurs,
        },
      ],
    ),
  );
  const fixtureInProcess = num(f['fixture.ours-in-process']?.medianMs);
  rows.push(
    row(
      'fixture.in-process',
      'fixture: createMockProvider (no port) + first token set + close',
      'ms',
      { ours: fixtureInProcess, peer: fixturePeer },
      [],
      'informational',
    ),
  );

  for (const c of [1, 32]) {
    const http = rate(f['transport.http']?.byConcurrency?.[c]);
    const msw = rate(f['transport.msw']?.byConcurrency?.[c]);
    const nock = rate(f['transport.nock']?.byConcurrency?.[c]);
    const staticMsw = rate(f['transport.msw-static']?.byConcurrency?.[c]);
    rows.push(row(`transport.http.c${c}`, `token request over HTTP, same process, c=${c}`, 'req/s', { ours: http, floor: staticMsw }, [], 'reference'));
    rows.push(row(`transport.msw.c${c}`, `token request through msw, c=${c}`, 'req/s', { ours: msw, floor: staticMsw }, [atLeast('HTTP', msw, http, 1.0)]));
    rows.push(row(`transport.nock.c${c}`, `token request through nock, c=${c}`, 'req/s', { ours: nock, floor: staticMsw }, [atLeast('HTTP', nock, http, 1.0)]));
    const inProcess = rate(f['transport.in-process']?.byConcurrency?.[c]);
    const undici = rate(f['transport.undici']?.byConcurrency?.[c]);
    const undiciCpu = num(f['transport.undici']?.byConcurrency?.[c]?.cpuUsPerRequest);
    rows.push(
      row(`transport.undici.c${c}`, `token request through the fetch dispatcher (oauth2-testkit/undici), c=${c}`, 'req/s', { ours: undici, floor: staticMsw }, [
        atLeast('HTTP', undici, http, c === 1 ? 1.3 : 1.5),
        {
          text:
            undici === undefined || inProcess === undefined
              ? '—'
              : `${(undici / inProcess).toFixed(2)}× provider.fetch${undiciCpu === undefined ? '' : `; ${undiciCpu} µs CPU/req`}`,
          target: '≥ 0.8× provider.fetch',
          pass: undici === undefined || inProcess === undefined ? undefined : undici / inProcess >= 0.8,
          ratio: undici === undefined || inProcess === undefined ? undefined : undici / inProcess,
        },
      ]),
    );
    rows.push(
      row(
        `transport.in-process.c${c}`,
        `token request through provider.fetch (in-process, no interception), c=${c}`,
        'req/s',
        { ours: inProcess, floor: staticMsw },
        [],
        inProcess === undefined || http === undefined ? '—' : `${(inProcess / http).toFixed(2)}× HTTP; engine-only reference`,
      ),
    );
  }

  const help = num(f['cli.help']?.help?.medianMs);
  const node0 = num(f['cli.help']?.nodeBaseline?.medianMs);
  rows.push(
    row('cli.help', `integration-cli --help vs node -e 0 (median of ${settings.cliRuns})`, 'ms', { ours: help, floor: node0 }, [
      {
        text: help && node0 ? `${(help / node0).toFixed(2)}× node -e 0` : '—',
        target: '< 2× node -e 0',
        pass: help && node0 ? help / node0 < 2 : undefined,
        ratio: help && node0 ? help / node0 : undefined,
      },
    ]),
  );
  const mockRun = num(f['cli.mock']?.mockRun?.medianMs);
  const importOidc = num(f['cli.mock']?.importOidcProvider?.medianMs);
  rows.push(
    row('cli.mock', `integration-cli oauth2 --mock run vs import('oidc-provider') (median of ${settings.cliRuns})`, 'ms', { ours: mockRun, bare: importOidc }, [
      {
        text: mockRun && importOidc ? `+${(mockRun - importOidc).toFixed(0)} ms` : '—',
        target: '≤ +300 ms',
        pass: mockRun && importOidc ? mockRun - importOidc <= 300 : undefined,
        ratio: mockRun && importOidc ? mockRun - importOidc : undefined,
      },
    ]),
  );

  const growth = num(f.memory?.rssGrowthMb);
  const secondHalf = num(f.memory?.rssGrowthSecondHalfMb);
  rows.push(
    row(
      'memory',
      `RSS growth after ${settings.memoryFlows.toLocaleString('en-US')} flows on one provider (after a memory-pressure GC)`,
      'MB',
      { ours: growth },
      [
        {
          text:
            growth === undefined
              ? '—'
              : `${num(f.memory?.rssBeforeMb)?.toFixed(0)} → ${num(f.memory?.rssAfterMb)?.toFixed(0)} MB; second half +${secondHalf?.toFixed(1)} MB`,
          target: '< 50 MB',
          pass: growth === undefined ? undefined : growth < 50,
          ratio: growth,
        },
      ],
    ),
  );
  const fullGc = num(f.memory?.rssGrowthFullGcMb);
  rows.push(
    row(
      'memory.full-gc',
      `RSS growth after the same flows, after ordinary full GCs (V8 keeps freed pages committed)`,
      'MB',
      { ours: fullGc },
      [],
      'informational',
    ),
  );
  const oursHttp = num(f['memory.ours-http']?.rssGrowthMb);
  const bareHttp = num(f['memory.bare-http']?.rssGrowthMb);
  const heap = (figure) => (num(figure?.heapGrowthMb) === undefined ? '?' : `${figure.heapGrowthMb.toFixed(1)}`);
  rows.push(
    row(
      'memory.http',
      `RSS growth after ${settings.memoryFlows.toLocaleString('en-US')} flows over HTTP in one process, ours vs bare (heap used growth)`,
      'MB',
      { ours: oursHttp, bare: bareHttp },
      [],
      oursHttp === undefined || bareHttp === undefined ? '—' : `heap +${heap(f['memory.ours-http'])} vs +${heap(f['memory.bare-http'])} MB; reference`,
    ),
  );
  return rows;
}

export function formatTable(rows) {
  const header = ['case', 'ours', 'bare oidc-provider', 'oauth2-mock-server', 'floor', 'ratio', 'target', 'PASS/MISS'];
  const lines = rows.map((r) => [r.case, r.cells.ours, r.cells.bare, r.cells.peer, r.cells.floor, r.ratio, r.target, r.status]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [render(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(render)].join('\n');
}
