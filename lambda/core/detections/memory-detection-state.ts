import type { DetectionState } from './detection-engine';
import type { Alert } from './signals';

/** Detection state held in memory: for `mltrail detect`, which replays a table's items in one run. */
export class MemoryDetectionState implements DetectionState {
  private readonly seen = new Map<string, string>();
  private readonly windows = new Map<string, Set<string>>();
  private readonly alerts = new Set<string>();

  async claimFirstSeen(id: string, eventID: string): Promise<string> {
    const holder = this.seen.get(id) ?? eventID;
    this.seen.set(id, holder);
    return holder;
  }

  async countInWindow(id: string, eventID: string, threshold: number): Promise<number> {
    const events = this.windows.get(id) ?? new Set<string>();
    this.windows.set(id, events);
    if (events.size < threshold) events.add(eventID);
    return events.size;
  }

  async recordAlert(alert: Alert): Promise<boolean> {
    if (this.alerts.has(alert.alertId)) return false;
    this.alerts.add(alert.alertId);
    return true;
  }
}
