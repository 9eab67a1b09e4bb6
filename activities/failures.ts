// How domain failures become Temporal activity failures, decided in one place.
import { ApplicationFailure } from '@temporalio/activity';
import { EmailInFlightError } from '../domain/email/outbound-email';

/** An email another attempt is sending is retried later (the claim expires if that attempt died). */
export async function retryWhenInFlight<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof EmailInFlightError) throw ApplicationFailure.retryable(err.message, 'EmailInFlight');
    throw err;
  }
}
