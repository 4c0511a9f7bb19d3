import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { ListOf, User } from '../api/types.ts';
import { When } from '../components/badge.tsx';
import { SimpleTable } from '../components/simple-table.tsx';
import { QueryView } from '../components/states.tsx';
import { CreateUserForm } from './create-user.form.tsx';

export function UsersPage() {
  const q = useQuery({ queryKey: ['users'], queryFn: () => api.get<ListOf<User>>('/api/v1/users') });
  return (
    <>
      <h1>Users</h1>
      <CreateUserForm />
      <QueryView query={q} feature="Users" empty="No users." isEmpty={(d) => d.data.length === 0}>
        {(d) => (
          <SimpleTable
            label="Users"
            rows={d.data}
            rowKey={(u) => u.id}
            columns={[
              { header: 'Username', cell: (u) => u.username },
              { header: 'Role', cell: (u) => u.role },
              { header: 'Approval level', cell: (u) => u.approval_level },
              { header: 'Login', cell: (u) => (u.has_password ? 'password' : 'single sign-on') },
              { header: 'State', cell: (u) => (u.disabled ? 'disabled' : 'active') },
              { header: 'Last login', cell: (u) => <When at={u.last_login_at} /> },
            ]}
          />
        )}
      </QueryView>
    </>
  );
}
