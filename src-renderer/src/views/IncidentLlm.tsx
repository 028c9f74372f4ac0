/** Settings of the optional LLM that rephrases explanations: off by default, local endpoints first. */
import { useState } from 'react';
import { LLM_PROVIDERS } from '../../../src-shared/contract-incidents';
import { errorText } from '../api';
import { useIncidents } from '../store/incidents';

export function IncidentLlmSettings({ onClose }: { onClose(): void }) {
  const llm = useIncidents((s) => s.llm);
  const saveLlm = useIncidents((s) => s.saveLlm);
  const [enabled, setEnabled] = useState(llm?.enabled ?? false);
  const [provider, setProvider] = useState<(typeof LLM_PROVIDERS)[number]>(llm?.provider ?? 'ollama');
  const [baseUrl, setBaseUrl] = useState(llm?.baseUrl ?? 'http://127.0.0.1:11434');
  const [model, setModel] = useState(llm?.model ?? '');
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="card inc-llm"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        void saveLlm({ enabled, provider, baseUrl, model, timeoutMs: llm?.timeoutMs ?? 15_000, ...(apiKey ? { apiKey } : {}) })
          .then(onClose)
          .catch((err: unknown) => setError(errorText(err)));
      }}
    >
      <p className="muted small">
        Explanations are built from the evidence, offline. Optionally an LLM you run can rephrase them: only the explanation's facts are
        sent, with secrets redacted, and the built text is kept whenever the endpoint fails or is slow.
      </p>
      <label className="inc-check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Rephrase with an LLM
      </label>
      <div className="inc-llm-fields">
        <label className="field">
          API
          <select value={provider} onChange={(e) => setProvider(e.target.value as (typeof LLM_PROVIDERS)[number])}>
            <option value="ollama">Ollama</option>
            <option value="openai">OpenAI-compatible</option>
          </select>
        </label>
        <label className="field grow">
          Endpoint
          <input value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder="http://127.0.0.1:11434" />
        </label>
        <label className="field">
          Model
          <input value={model} onChange={(e) => setModel(e.target.value)} placeholder="llama3.2" />
        </label>
        <label className="field">
          API key {llm?.hasApiKey ? '(stored)' : '(optional)'}
          <input type="password" value={apiKey} onChange={(e) => setApiKey(e.target.value)} autoComplete="off" />
        </label>
      </div>
      {error && <p className="error-text">{error}</p>}
      <div className="inc-actions">
        <button type="submit">Save</button>
        <button type="button" className="ghost" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
