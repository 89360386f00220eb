import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post, put } from './client';
import type { SecuritySettings, User } from './types';

export type Role = User['role'];
export const roles: Role[] = ['admin', 'agent', 'viewer'];

export type { SecuritySettings };

export const staffKeys = {
  all: ['staff'] as const,
  list: ['staff', 'list'] as const,
  security: ['staff', 'security'] as const,
};

/** Staff accounts (admins only). */
export function useStaff() {
  return useQuery({ queryKey: staffKeys.list, queryFn: () => get<{ items: User[] }>('/api/users').then((r) => r.items) });
}

/** A staff member lost their phone: their two-factor sign-in is removed, they set it up again. */
export function useResetTwoFactor() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (user: User) => post<User>(`/api/users/${user.id}/mfa/reset`),
    onSuccess: (u) => {
      qc.setQueryData<User[]>(staffKeys.list, (list) => list?.map((x) => (x.id === u.id ? u : x)));
      void qc.invalidateQueries({ queryKey: staffKeys.list });
    },
  });
}

export function useSecuritySettings() {
  return useQuery({ queryKey: staffKeys.security, queryFn: () => get<SecuritySettings>('/api/security') });
}

export function useSaveSecuritySettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (mfaRequiredRoles: Role[]) => put<SecuritySettings>('/api/security', { mfaRequiredRoles }),
    onSuccess: (s) => qc.setQueryData(staffKeys.security, s),
  });
}
