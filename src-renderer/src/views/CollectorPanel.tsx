/** The live collector: listeners to start, what is arriving, what was dropped. */
import { useEffect, useState } from 'react';
import type { CollectorStatus } from '../../../src-shared/dto';
import { fmtInt, fmtTime } from '../format';
import { useApp } from '../store/app';
import { useCollector } from '../store/collector';

interface Form {
  udp: boolean;
  udpAddr: string;
  tcp: boolean;
  tcpAddr: string;
  tls: boolean;
  tlsAddr: string;
  tlsCert: string;
  tlsKey: string;
  tail: boolean;
  tailPaths: string;
  tailFromStart: boolean;
  /** Header times up to this many days old are believed. */
  trustDays: string;
}

const DEFAULT_FORM: Form = {
  udp: true,
  udpAddr: '127.0.0.1:5514',
  tcp: true,
  tcpAddr: '127.0.0.1:5514',
  tls: false,
  tlsAddr: '127.0.0.1:6514',
  tlsCert: '',
  tlsKey: '',
  tail: false,
  tailPaths: '',
  tailFromStart: false,
  trustDays: '7',
};

function split(addr: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr.trim()) ?? /^([^:]+):(\d+)$/.exec(addr.trim());
  if (!m) throw new Error(`"${addr}" is not HOST:PORT (e.g. 127.0.0.1:5514 or [::1]:5514)`);
  return { host: m[1]!, port: Number(m[2]) };
}

function toConfig(f: Form): Record<string, unknown> {
  return {
    udp: f.udp ? { enabled: true, ...split(f.udpAddr) } : { enabled: false },
    tcp: f.tcp ? { enabled: true, ...split(f.tcpAddr) } : { enabled: false },
    tls: f.tls ? { enabled: true, ...split(f.tlsAddr), certFile: f.tlsCert || undefined, keyFile: f.tlsKey || undefined } : { enabled: false },
    tail: f.tail
      ? {
          enabled: true,
          paths: f.tailPaths
            .split('\n')
            .map((p) => p.trim())
            .filter(Boolean),
          startAt: f.tailFromStart ? 'beginning' : 'end',
        }
      : { enabled: false },
    time: { trustWindowDays: trustDays(f.trustDays) },
  };
}

function trustDays(text: string): number {
  const n = Number(text.trim());
  if (!Number.isFinite(n) || n <= 0) throw new Error(`"${text}" is not a number of days (header times up to that old are believed)`);
  return n;
}

function fromConfig(c: Record<string, unknown>): Form {
  const sec = (k: string) => (c[k] ?? {}) as Record<string, unknown>;
  const addr = (k: string, fallback: string) => {
    const s = sec(k);
    if (s.host === undefined && s.port === undefined) return fallback;
    const host = String(s.host ?? '127.0.0.1');
    return `${host.includes(':') ? `[${host}]` : host}:${String(s.port ?? fallback.split(':').pop())}`;
  };
  return {
    udp: sec('udp').enabled !== false,
    udpAddr: addr('udp', DEFAULT_FORM.udpAddr),
    tcp: sec('tcp').enabled !== false,
    tcpAddr: addr('tcp', DEFAULT_FORM.tcpAddr),
    tls: sec('tls').enabled === true,
    tlsAddr: addr('tls', DEFAULT_FORM.tlsAddr),
    tlsCert: String(sec('tls').certFile ?? ''),
    tlsKey: String(sec('tls').keyFile ?? ''),
    tail: sec('tail').enabled === true,
    tailPaths: ((sec('tail').paths as string[] | undefined) ?? []).join('\n'),
    tailFromStart: sec('tail').startAt === 'beginning',
    trustDays: String(sec('time').trustWindowDays ?? DEFAULT_FORM.trustDays),
  };
}

export function CollectorPanel() {
  const { status, busy, refresh, start, stop } = useCollector();
  const showError = useApp((s) => s.showError);
  const [form, setForm] = useState<Form>(DEFAULT_FORM);
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    refresh().catch(showError);
  }, [refresh, showError]);
  useEffect(() => {
    if (status && !loaded) {
      setForm(fromConfig(status.config));
      setLoaded(true);
    }
  }, [status, loaded]);

  const running = status?.running ?? false;
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm({ ...form, [k]: v });

  return (
    <section className="card collector" aria-label="Live collector">
      <div className="collector-head">
        <h3>Live collector</h3>
        <span className={`badge ${running ? 'running' : ''}`}>{running ? 'running' : 'stopped'}</span>
        {running ? (
          <button onClick={() => void stop().catch(showError)} disabled={busy}>
            Stop
          </button>
        ) : (
          <button
            onClick={() => {
              try {
                void start(toConfig(form)).catch(showError);
              } catch (err) {
                showError(err);
              }
            }}
            disabled={busy}
          >
            Start
          </button>
        )}
      </div>
      <fieldset className="collector-form" disabled={running}>
        <label>
          <input type="checkbox" checked={form.udp} onChange={(e) => set('udp', e.target.checked)} /> Syslog UDP
        </label>
        <input aria-label="UDP address" value={form.udpAddr} onChange={(e) => set('udpAddr', e.target.value)} />
        <label>
          <input type="checkbox" checked={form.tcp} onChange={(e) => set('tcp', e.target.checked)} /> Syslog TCP
        </label>
        <input aria-label="TCP address" value={form.tcpAddr} onChange={(e) => set('tcpAddr', e.target.value)} />
        <label>
          <input type="checkbox" checked={form.tls} onChange={(e) => set('tls', e.target.checked)} /> Syslog TLS
        </label>
        <span className="collector-tls">
          <input aria-label="TLS address" value={form.tlsAddr} onChange={(e) => set('tlsAddr', e.target.value)} />
          <input aria-label="TLS certificate file" placeholder="certificate.pem" value={form.tlsCert} onChange={(e) => set('tlsCert', e.target.value)} />
          <input aria-label="TLS key file" placeholder="key.pem" value={form.tlsKey} onChange={(e) => set('tlsKey', e.target.value)} />
        </span>
        <label>
          <input type="checkbox" checked={form.tail} onChange={(e) => set('tail', e.target.checked)} /> Follow files
        </label>
        <span className="collector-tail">
          <textarea aria-label="Files or globs to follow" rows={2} placeholder="/var/log/auth.log&#10;/var/log/nginx/*.log" value={form.tailPaths} onChange={(e) => set('tailPaths', e.target.value)} />
          <label className="small">
            <input type="checkbox" checked={form.tailFromStart} onChange={(e) => set('tailFromStart', e.target.checked)} /> from the beginning
          </label>
        </span>
        <label htmlFor="collector-trust" title="A forwarder catching up after an outage sends old lines: their header times are kept up to this age; older ones take the receive time. A sender whose clock is off is detected and corrected on its own.">
          Trust header times up to
        </label>
        <span>
          <input id="collector-trust" className="narrow" type="number" min="0.01" step="any" value={form.trustDays} onChange={(e) => set('trustDays', e.target.value)} /> days old
        </span>
      </fieldset>
      {status && (status.running || status.received > 0) && <CollectorStats status={status} />}
      {status?.error && <p className="error-text">{status.error}</p>}
    </section>
  );
}

type ListenerRow = CollectorStatus['listeners'][number];

const MiB = 1024 * 1024;

/** Connections a stream listener refused or cut, with the reasons as a tooltip. */
function RefusedCell({ l }: { l: ListenerRow }) {
  if (l.source !== 'tcp' && l.source !== 'tls') return <td className="num muted">—</td>;
  const r = l.connectionsRefused;
  const total = r.perSender + r.full + r.idle + r.slow + r.evicted;
  const why = `Refused: ${fmtInt(r.perSender)} over the per-sender limit, ${fmtInt(r.full)} with the listener full. Closed: ${fmtInt(r.idle)} idle, ${fmtInt(r.slow)} too slow (frame or TLS handshake), ${fmtInt(r.evicted)} evicted to make room for a new sender.`;
  return (
    <td className={`num ${total > 0 ? 'error-text' : ''}`} title={why} aria-label={`${l.source} connections refused or closed: ${total}. ${why}`}>
      {fmtInt(total)}
    </td>
  );
}

function CollectorStats({ status }: { status: CollectorStatus }) {
  const kernel = status.listeners.reduce((n, l) => n + (l.drops.kernel ?? 0), 0);
  const capped = status.listeners.filter((l) => l.receiveBuffer !== null && l.receiveBuffer.granted < l.receiveBuffer.requested);
  return (
    <div className="collector-stats">
      <p data-testid="collector-totals">
        <strong>{fmtInt(status.ratePerSecond)}</strong> msgs/s
        {status.peakPerSecond > status.ratePerSecond ? <span className="muted" title="The busiest second of the last ten"> (peak {fmtInt(status.peakPerSecond)}/s)</span> : null} ·{' '}
        {fmtInt(status.received)} received · {fmtInt(status.stored)} stored ·{' '}
        <span className={status.dropped > 0 ? 'error-text' : ''}>
          {fmtInt(status.dropped)} dropped{kernel > 0 ? ` (${fmtInt(kernel)} by the kernel)` : ''}
        </span>{' '}
        · queue {fmtInt(status.queue.length)} / {fmtInt(status.queue.maxMessages)}
      </p>
      <table className="grid">
        <thead>
          <tr>
            <th>Listener</th>
            <th>Bound to</th>
            <th className="num">Received</th>
            <th className="num">Rate</th>
            <th className="num" title="Dropped because the collector's queue was full">
              Queue full
            </th>
            <th className="num">Oversize</th>
            <th className="num">Malformed</th>
            <th className="num" title="UDP datagrams the kernel dropped before the collector read them (receive buffer full)">
              Kernel
            </th>
            <th className="num" title="Stream connections refused or closed so that no one sender can hold the listener">
              Conns refused
            </th>
          </tr>
        </thead>
        <tbody>
          {status.listeners.map((l) => (
            <tr key={l.source}>
              <td>{l.source}</td>
              <td className="mono address">{l.address ?? '—'}</td>
              <td className="num">{fmtInt(l.received)}</td>
              <td className="num" title={`busiest second of the last ten: ${fmtInt(l.peakPerSecond)}/s`}>
                {fmtInt(l.ratePerSecond)}/s
              </td>
              <td className="num">{fmtInt(l.drops.queueFull)}</td>
              <td className="num">{fmtInt(l.drops.oversize)}</td>
              <td className="num">{fmtInt(l.drops.malformed)}</td>
              <td className={`num ${l.drops.kernel ? 'error-text' : ''}`}>{l.drops.kernel === null ? '—' : fmtInt(l.drops.kernel)}</td>
              <RefusedCell l={l} />
            </tr>
          ))}
        </tbody>
      </table>
      {capped.map((l) => (
        <p key={l.source} className="muted small">
          The {l.source.toUpperCase()} receive buffer is {(l.receiveBuffer!.granted / MiB).toFixed(1)} MiB of the {(l.receiveBuffer!.requested / MiB).toFixed(1)} MiB asked: the
          kernel caps it at net.core.rmem_max. Raise it (sysctl) to lose fewer datagrams in bursts.
        </p>
      ))}
      {status.topSenders.length > 0 && (
        <p className="muted small">
          Top senders: {status.topSenders.slice(0, 8).map((t) => `${t.sender} (${fmtInt(t.count)})`).join(' · ')}
        </p>
      )}
      <SenderClocks status={status} />
      {status.recentLines.length > 0 && (
        <pre className="collector-lines" aria-label="Last lines received">
          {status.recentLines
            .slice(-12)
            .map((l) => `${fmtTime(l.receivedAt)} ${l.source} ${l.sender}  ${l.line}`)
            .join('\n')}
        </pre>
      )}
    </div>
  );
}

/** A clock offset in words: "2 h 05 min ahead". */
function fmtSkew(ms: number): string {
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const sec = Math.round((abs % 60_000) / 1000);
  const text = h >= 24 ? `${(abs / 86_400_000).toFixed(1)} days` : h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : m > 0 ? `${m} min ${sec} s` : `${sec} s`;
  return `${text} ${ms > 0 ? 'ahead' : 'behind'}`;
}

/** Each sender's clock: off (and corrected), in step, or not judged yet; lines that took their receive time. */
function SenderClocks({ status }: { status: CollectorStatus }) {
  const clocks = status.senderClocks.slice(0, 8);
  if (clocks.length === 0) return null;
  return (
    <table className="grid sender-clocks" aria-label="Sender clocks">
      <thead>
        <tr>
          <th>Sender</th>
          <th className="num">Lines</th>
          <th title="How far the sender's header times run from their receive times, once a steady offset was seen; only then are its lines corrected">Clock</th>
          <th className="num" title="Lines stored at their receive time: no header time, or one older than the trust window or in the future">
            Receive time
          </th>
        </tr>
      </thead>
      <tbody>
        {clocks.map((c) => (
          <tr key={c.sender}>
            <td className="mono">{c.sender}</td>
            <td className="num">{fmtInt(c.lines)}</td>
            <td className={c.skewMs ? 'error-text' : 'muted'}>
              {c.skewMs === null ? 'not judged yet' : c.skewMs === 0 ? 'in step' : `${fmtSkew(c.skewMs)} (${fmtInt(c.corrected)} corrected)`}
            </td>
            <td className="num">{fmtInt(c.received)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
