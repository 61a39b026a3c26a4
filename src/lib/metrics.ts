/**
 * Prometheus text exposition for the numbers roles already keep. Roles report plain samples; this file only
 * formats them, so no role depends on a metrics library.
 */
export interface MetricSample {
  /** Without the `accord_` prefix, snake_case. */
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  value: number;
  labels?: Record<string, string>;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function formatPrometheus(samples: readonly MetricSample[]): string {
  const byName = new Map<string, MetricSample[]>();
  for (const s of samples) {
    const list = byName.get(s.name);
    if (list) list.push(s);
    else byName.set(s.name, [s]);
  }
  const lines: string[] = [];
  for (const [name, list] of byName) {
    const full = `accord_${name}`;
    lines.push(`# HELP ${full} ${list[0]!.help}`, `# TYPE ${full} ${list[0]!.type}`);
    for (const s of list) {
      const labels = s.labels && Object.keys(s.labels).length
        ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
        : '';
      lines.push(`${full}${labels} ${Number.isFinite(s.value) ? s.value : 0}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Process-level samples every node reports; `node` names the process (with ACCORD_WORKERS, which worker answered). */
export function processSamples(node: string): MetricSample[] {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return [
    { name: 'node_info', help: 'The node answering (ACCORD_NODE_ID), as a label', type: 'gauge', value: 1, labels: { node, pid: String(process.pid) } },
    { name: 'process_resident_memory_bytes', help: 'Resident set size', type: 'gauge', value: mem.rss },
    { name: 'process_heap_used_bytes', help: 'V8 heap in use', type: 'gauge', value: mem.heapUsed },
    { name: 'process_heap_total_bytes', help: 'V8 heap reserved (in use plus free space V8 keeps)', type: 'gauge', value: mem.heapTotal },
    { name: 'process_external_memory_bytes', help: 'Memory of C++ objects bound to JavaScript (Buffers included)', type: 'gauge', value: mem.external },
    { name: 'process_array_buffers_bytes', help: 'Memory of ArrayBuffers and Buffers', type: 'gauge', value: mem.arrayBuffers },
    { name: 'process_cpu_seconds_total', help: 'User and system CPU time', type: 'counter', value: (cpu.user + cpu.system) / 1e6 },
    { name: 'process_uptime_seconds', help: 'Seconds since the process started', type: 'gauge', value: process.uptime() },
  ];
}
