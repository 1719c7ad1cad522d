// Jobs as the whole app sees them, fed by the jobs.changes stream for the app's lifetime: the
// sidebar counts the active ones, the Jobs page lists them, and a job that ends while the person
// looks elsewhere is announced (a toast, and a desktop notification when already allowed).
import { useEffect } from 'react';
import { create } from 'zustand';
import type { JobInfo } from '../../../shared/api/domain';
import { api } from '../api';
import { endedText, mergeJobs, seedJob } from '../lib/jobs';
import { useUi } from './ui-store';

export interface Toast {
  id: number;
  jobId: string;
  state: JobInfo['state'];
  text: string;
}

interface JobsState {
  byId: Record<string, JobInfo>;
  /** The stream has sent its first batch (the recent jobs). */
  loaded: boolean;
  selectedId: string | null;
  toasts: Toast[];
}

export const useJobs = create<JobsState>(() => ({ byId: {}, loaded: false, selectedId: null, toasts: [] }));

export const MAX_TOASTS = 3;
let toastSeq = 0;

export const selectJob = (id: string | null): void => useJobs.setState({ selectedId: id });

/** Shows one job on the Jobs page, opening the tab if needed. */
export function openJob(id: string): void {
  selectJob(id);
  useUi.getState().open('jobs');
}

/** A job a call just started: shown at once, before the stream's copy arrives. */
export function addStartedJob(job: JobInfo): void {
  useJobs.setState((s) => ({ byId: seedJob(s.byId, job) }));
}

export const dismissToast = (id: number): void =>
  useJobs.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));

/** Whether the person is looking at this job right now (then an announcement is noise). */
/** Jobs shown where they were started (an export on Activity, a check in Settings), by how many views. */
const shownInline = new Map<string, number>();

/** Marks a job as on screen outside the Jobs page while mounted; returns the undo. */
export function showInline(id: string): () => void {
  shownInline.set(id, (shownInline.get(id) ?? 0) + 1);
  return () => {
    const n = (shownInline.get(id) ?? 1) - 1;
    if (n > 0) shownInline.set(id, n);
    else shownInline.delete(id);
  };
}

function watching(jobId: string): boolean {
  if (document.hidden) return false;
  if (shownInline.has(jobId)) return true;
  const ui = useUi.getState();
  return ui.activeId === 'jobs' && useJobs.getState().selectedId === jobId;
}

function announce(job: JobInfo): void {
  if (watching(job.id)) return;
  const text = endedText(job);
  useJobs.setState((s) => ({
    toasts: [...s.toasts, { id: ++toastSeq, jobId: job.id, state: job.state, text }].slice(-MAX_TOASTS),
  }));
  // Only when the person already allowed it: asking belongs to a click, never to a job ending.
  if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
    try {
      const n = new Notification(`Labdeck: job ${job.state}`, { body: text, tag: `job:${job.id}` });
      n.onclick = () => {
        window.focus();
        openJob(job.id);
        n.close();
      };
    } catch {
      // Some embedders only allow notifications from a service worker; the toast still shows.
    }
  }
}

/**
 * Resolves once the browser has had a frame to paint what a batch changed, so a stream's
 * acknowledgement (and with it the next batch) waits for the page to keep up. A hidden page gets
 * no frames; it is not drawing anything either, so it acknowledges at once.
 */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    if (document.hidden) setTimeout(resolve, 0);
    else requestAnimationFrame(() => resolve());
  });
}

export function useJobsStream(): void {
  useEffect(
    () =>
      api.streams.jobs.changes({}, (events) => {
        const { byId, ended } = mergeJobs(useJobs.getState().byId, events);
        useJobs.setState({ byId, loaded: true });
        for (const j of ended) announce(j);
        return afterPaint();
      }),
    [],
  );
}
