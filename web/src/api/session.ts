import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, del, get, post } from './client';
import type { Me, Providers, SecondFactorNeeded, SignedIn, TotpEnrolment, TwoFactorStatus } from './types';

export type { Me, Providers, SignedIn, SecondFactorNeeded, TwoFactorStatus, TotpEnrolment };

/** A second factor: the six digits of the authenticator app, or one recovery code. */
export type Factor = { code: string } | { recoveryCode: string };

export const sessionKeys = {
  me: ['session'] as const,
  providers: ['session', 'providers'] as const,
  mfa: ['session', 'mfa'] as const,
};

/** The signed-in staff member, or null when nobody is. */
export function useSession() {
  return useQuery({
    queryKey: sessionKeys.me,
    queryFn: async () => {
      try {
        return await get<Me>('/api/session');
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: 60_000,
  });
}

/** A new session: every other query belonged to whoever was signed in before. */
function useOpenSession() {
  const qc = useQueryClient();
  return (r: SignedIn) => {
    qc.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKeys.me[0] || q.queryKey.length > 1 });
    qc.setQueryData<Me>(sessionKeys.me, { ...r.user, enrolmentRequired: r.enrolmentRequired });
  };
}

export function useProviders() {
  return useQuery({ queryKey: sessionKeys.providers, queryFn: () => get<Providers>('/api/session/providers'), staleTime: 5 * 60_000 });
}

/** The password step: signed in, or asked for the second factor. */
export function useSignIn() {
  const open = useOpenSession();
  return useMutation({
    mutationFn: (input: { email: string; password: string }) => post<SignedIn | SecondFactorNeeded>('/api/session', input),
    onSuccess: (r) => {
      if (r.step === 'signed_in') open(r);
    },
  });
}

/** The second step of a password sign-in. */
export function useSecondFactor() {
  const open = useOpenSession();
  return useMutation({
    mutationFn: (input: { challenge: string } & Factor) => post<SignedIn>('/api/session/second-factor', input),
    onSuccess: open,
  });
}

export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => del('/api/session'),
    onSettled: () => {
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKeys.me[0] || q.queryKey.length > 1 });
      qc.setQueryData(sessionKeys.me, null);
    },
  });
}

// --- your own two-factor sign-in ---------------------------------------------------------------

export function useTwoFactorStatus() {
  return useQuery({ queryKey: sessionKeys.mfa, queryFn: () => get<TwoFactorStatus>('/api/session/mfa') });
}

/** Starts the set-up: a new secret (a set-up begun before stops working). */
export function useBeginTotp() {
  return useMutation({ mutationFn: () => post<TotpEnrolment>('/api/session/mfa/totp') });
}

/** Ends the set-up with the app's first code: the ten recovery codes, given once. */
export function useConfirmTotp() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (code: string) => post<{ recoveryCodes: string[] }>('/api/session/mfa/totp/confirm', { code }),
    onSuccess: () => {
      // The session itself is left as it is: the screen that asked for the set-up shows the codes first.
      void qc.invalidateQueries({ queryKey: sessionKeys.mfa });
    },
  });
}

export function useDisableTotp() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (factor: Factor) => post<{ ok: true }>('/api/session/mfa/totp/disable', factor),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: sessionKeys.mfa });
      qc.setQueryData<Me | null>(sessionKeys.me, (me) => (me ? { ...me, twoFactor: false } : me));
    },
  });
}

export function useNewRecoveryCodes() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (factor: Factor) => post<{ recoveryCodes: string[] }>('/api/session/mfa/recovery-codes', factor),
    onSuccess: () => void qc.invalidateQueries({ queryKey: sessionKeys.mfa }),
  });
}
