import type { Analyzer } from './analyzer.ts';

/** The analyzer an analyze step asked for, the one it gets, and why they differ (when they do). */
export interface ResolvedAnalyzer {
  analyzer: Analyzer;
  /** `deterministic` or `llm`: the slot that answered. */
  slot: 'deterministic' | 'llm';
  /** Set when the step's choice could not be honoured, e.g. `llm requested but no LLM analyst is configured`. */
  fallback?: string;
}

/**
 * The analyst engines an analyze step can name (`analyzer:` in a playbook): `deterministic` always,
 * `llm` once an LLM analyst is registered, and `auto` = the LLM analyst when registered, else the
 * deterministic one. A name it does not know falls back to the deterministic analyzer, with the
 * reason recorded on the step.
 */
export class AnalyzerRegistry {
  private llm: Analyzer | undefined;

  constructor(private readonly deterministic: Analyzer) {}

  /** Registers the LLM analyst (one per process). Returns this. */
  registerLlm(analyzer: Analyzer): this {
    this.llm = analyzer;
    return this;
  }

  get hasLlm(): boolean {
    return this.llm !== undefined;
  }

  resolve(requested: string): ResolvedAnalyzer {
    const det: ResolvedAnalyzer = { analyzer: this.deterministic, slot: 'deterministic' };
    switch (requested) {
      case 'deterministic':
        return det;
      case 'auto':
        return this.llm ? { analyzer: this.llm, slot: 'llm' } : det;
      case 'llm':
        return this.llm
          ? { analyzer: this.llm, slot: 'llm' }
          : { ...det, fallback: 'llm requested but no LLM analyst is configured: used deterministic' };
      default:
        return {
          ...det,
          // The name comes from a playbook (validated at load); bounded anyway.
          fallback: `unknown analyzer "${requested.slice(0, 40)}": used deterministic`,
        };
    }
  }
}
