import { ActionIcon, AppShell, Burger, Group, Menu, NavLink, ScrollArea, Text, Tooltip, useComputedColorScheme, useMantineColorScheme } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconActivityHeartbeat,
  IconAlertTriangle,
  IconBell,
  IconClipboardList,
  IconFileImport,
  IconHistory,
  IconKey,
  IconLayoutDashboard,
  IconListDetails,
  IconLogout,
  IconMoon,
  IconSun,
  IconTool,
  IconUser,
  IconUsers,
  IconWorld,
} from '@tabler/icons-react';
import { Suspense } from 'react';
import { Link, Outlet, useLocation } from 'react-router';
import { Loading } from '../components/States';
import { useSession } from '../lib/session';

const NAV = [
  { to: '/', label: 'Dashboard', icon: IconLayoutDashboard, exact: true },
  { to: '/collections', label: 'Collections', icon: IconListDetails },
  { to: '/runs', label: 'History', icon: IconHistory },
  { to: '/monitors', label: 'Monitors', icon: IconActivityHeartbeat },
  { to: '/incidents', label: 'Incidents', icon: IconAlertTriangle },
  { to: '/maintenance', label: 'Maintenance', icon: IconTool },
  { to: '/channels', label: 'Alert channels', icon: IconBell },
  { to: '/status-pages', label: 'Status pages', icon: IconWorld },
  { to: '/import', label: 'Import', icon: IconFileImport },
];

function ColorSchemeToggle() {
  const { setColorScheme, clearColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light');
  return (
    <Tooltip label="Switch light/dark (double-click: follow the system)">
      <ActionIcon
        variant="default"
        size="lg"
        aria-label="Toggle color scheme"
        onClick={() => setColorScheme(computed === 'dark' ? 'light' : 'dark')}
        onDoubleClick={() => clearColorScheme()}
      >
        {computed === 'dark' ? <IconSun size={18} /> : <IconMoon size={18} />}
      </ActionIcon>
    </Tooltip>
  );
}

/** The frame around every signed-in page: header, navigation (a drawer on a phone) and content. */
export function Shell() {
  const [opened, { toggle, close }] = useDisclosure();
  const { pathname } = useLocation();
  const { user, signOut } = useSession();
  const isActive = (to: string, exact?: boolean) => (exact ? pathname === to : pathname === to || pathname.startsWith(`${to}/`));
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Link to="/" style={{ textDecoration: 'none', color: 'inherit' }}>
              <Group gap={6}>
                <img src="/favicon.svg" alt="" width={24} height={24} />
                <Text fw={700} size="lg">
                  Catena
                </Text>
              </Group>
            </Link>
          </Group>
          <Group gap="xs">
            <ColorSchemeToggle />
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <ActionIcon variant="default" size="lg" aria-label="Account menu">
                  <IconUser size={18} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{user?.email ?? ''}</Menu.Label>
                <Menu.Item component={Link} to="/settings/account" leftSection={<IconUser size={16} />}>
                  Account and password
                </Menu.Item>
                <Menu.Item component={Link} to="/settings/tokens" leftSection={<IconKey size={16} />}>
                  API tokens
                </Menu.Item>
                {user?.isAdmin && (
                  <Menu.Item component={Link} to="/settings/users" leftSection={<IconUsers size={16} />}>
                    Users
                  </Menu.Item>
                )}
                {user?.isAdmin && (
                  <Menu.Item component={Link} to="/settings/audit" leftSection={<IconClipboardList size={16} />}>
                    Audit log
                  </Menu.Item>
                )}
                <Menu.Divider />
                <Menu.Item leftSection={<IconLogout size={16} />} onClick={() => void signOut()}>
                  Sign out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <AppShell.Section grow component={ScrollArea}>
          {NAV.map((n) => (
            <NavLink
              key={n.to}
              component={Link}
              to={n.to}
              label={n.label}
              leftSection={<n.icon size={18} stroke={1.6} />}
              active={isActive(n.to, n.exact)}
              onClick={close}
            />
          ))}
        </AppShell.Section>
        <AppShell.Section>
          <NavLink component={Link} to="/settings/tokens" label="API tokens" leftSection={<IconKey size={18} stroke={1.6} />} active={isActive('/settings/tokens')} onClick={close} />
          {user?.isAdmin && (
            <NavLink component={Link} to="/settings/users" label="Users" leftSection={<IconUsers size={18} stroke={1.6} />} active={isActive('/settings/users')} onClick={close} />
          )}
          {user?.isAdmin && (
            <NavLink component={Link} to="/settings/audit" label="Audit log" leftSection={<IconClipboardList size={18} stroke={1.6} />} active={isActive('/settings/audit')} onClick={close} />
          )}
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
