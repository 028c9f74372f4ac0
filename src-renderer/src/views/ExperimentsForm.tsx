/** The form that starts a new run: a name, the ground-truth file and the forest's parameters. */
import { useState } from 'react';
import { api } from '../api';
import { useApp } from '../store/app';
import { useExperiments } from '../store/experiments';

export function ExperimentsForm() {
  const running = useExperiments((s) => s.running);
  const runCount = useExperiments((s) => s.runs.length);
  const run = useExperiments((s) => s.run);
  const showError = useApp((s) => s.showError);
  const [name, setName] = useState('');
  const [truthPath, setTruthPath] = useState('');
  const [trees, setTrees] = useState('100');
  const [sampleSize, setSampleSize] = useState('256');
  const [seed, setSeed] = useState('1');
  const [threshold, setThreshold] = useState<'medium' | 'high'>('medium');

  const valid = truthPath.trim() !== '' && isInt(trees, 1, 1000) && isInt(sampleSize, 2, 65_536) && isInt(seed, 0, 2 ** 31 - 1);

  const submit = async () => {
    if (!valid) return;
    try {
      await run({
        name: name.trim() || `Run ${runCount + 1}`,
        truthPath: truthPath.trim(),
        params: { trees: Number(trees), sampleSize: Number(sampleSize), seed: Number(seed), threshold },
      });
      setName('');
    } catch (err) {
      showError(err);
    }
  };

  const choose = async () => {
    try {
      const [picked] = await api().bridge.pickFiles({ title: 'Choose a ground-truth file (truth.json)', multiple: false });
      if (picked) setTruthPath(picked);
    } catch (err) {
      showError(err);
    }
  };

  return (
    <form
      className="exp-form"
      aria-label="New experiment run"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label className="field exp-name">
        Run name
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder={`Run ${runCount + 1}`} disabled={running} />
      </label>
      <label className="field grow">
        Ground-truth file
        <span className="exp-path">
          <input value={truthPath} onChange={(e) => setTruthPath(e.target.value)} placeholder="/path/to/truth.json" disabled={running} />
          <button type="button" className="ghost" onClick={() => void choose()} disabled={running}>
            Choose…
          </button>
        </span>
      </label>
      <label className="field exp-num">
        Trees
        <input type="number" min={1} max={1000} value={trees} onChange={(e) => setTrees(e.target.value)} disabled={running} />
      </label>
      <label className="field exp-num">
        Sample size
        <input type="number" min={2} max={65536} value={sampleSize} onChange={(e) => setSampleSize(e.target.value)} disabled={running} />
      </label>
      <label className="field exp-num">
        Seed
        <input type="number" min={0} value={seed} onChange={(e) => setSeed(e.target.value)} disabled={running} />
      </label>
      <label className="field exp-num">
        Threshold
        <select value={threshold} onChange={(e) => setThreshold(e.target.value as 'medium' | 'high')} disabled={running}>
          <option value="medium">medium</option>
          <option value="high">high</option>
        </select>
      </label>
      <button type="submit" disabled={!valid || running}>
        {running ? 'Running…' : 'Run experiment'}
      </button>
    </form>
  );
}

function isInt(s: string, min: number, max: number): boolean {
  const n = Number(s);
  return s.trim() !== '' && Number.isInteger(n) && n >= min && n <= max;
}
