// The personal plan ("Min trivsel som leder") on all three screens.
//
// Phone: per area its title and prompt and two text fields, "Det arbejder jeg
// med" and "Første skridt" (one answer {work, first_step} per area, saved
// like text prompts); "Del med min chef"; download as Word or HTML.
// Facilitator: the plans their authors shared, read-only, with the name, each
// downloadable as Word or HTML.
// Projector: nothing beyond the page's title and instruction.
//
// Stable ids and test ids:
//   phone        fieldset[data-testid=plan-area][data-area={a}], #plan-{a}-work,
//                #plan-{a}-first, #saved-{a}, #share-plan, #download-docx,
//                #download-html, #download-status
//   facilitator  #shared-plans article[data-testid=shared-plan][data-participant={p}]

import { el, setText, t, ui } from './common.js';
import { reconcile, showSaveState, checkbox, downloadWithStatus } from './activity-kit.js';

export function phone(root, ctx) {
  const areas = ctx.step.areas || [];
  const parts = areas.map((area) => {
    const work = el('textarea', { id: `plan-${area.id}-work`, rows: 3, maxlength: 2000 });
    const first = el('textarea', { id: `plan-${area.id}-first`, rows: 2, maxlength: 2000 });
    const current = () => {
      const v = ctx.value(area.id);
      return v && typeof v === 'object' ? v : { work: '', first_step: '' };
    };
    const changed = () => ctx.draft(area.id, { work: work.value, first_step: first.value });
    work.addEventListener('input', changed);
    first.addEventListener('input', changed);
    work.addEventListener('blur', () => ctx.commit(area.id));
    first.addEventListener('blur', () => ctx.commit(area.id));
    const node = el('fieldset', { class: 'prompt personal-area', 'data-testid': 'plan-area', 'data-area': area.id },
      el('legend', { text: t(area.title) }),
      el('p', { class: 'area-prompt', text: t(area.prompt) }),
      el('div', { class: 'field' }, el('label', { for: work.id, text: ui('personal_work') }), work),
      el('div', { class: 'field' }, el('label', { for: first.id, text: ui('personal_first') }), first),
      el('p', { class: 'save-state', id: `saved-${area.id}`, 'aria-live': 'polite' }),
      el('p', { class: 'error', id: `error-${area.id}`, 'aria-live': 'polite' }));
    return {
      node,
      update() {
        const v = current();
        const busy = ctx.drafting(area.id);
        if (!busy && document.activeElement !== work) work.value = v.work || '';
        if (!busy && document.activeElement !== first) first.value = v.first_step || '';
        showSaveState(node.querySelector('.save-state'), ctx.saveState(area.id));
        setText(node.querySelector('.error'), ctx.error(area.id));
      },
    };
  });

  const share = checkbox('share-plan', ui('personal_share'));
  share.input.addEventListener('change', () => {
    ctx.commitAll();
    ctx.act({ action: 'share_plan', share: share.input.checked });
  });
  const shareNote = el('p', { class: 'muted small', id: 'share-plan-note', 'aria-live': 'polite' });
  const status = el('p', { class: 'status', id: 'download-status', role: 'status' });
  const downloads = ['docx', 'html'].map((format) => {
    const button = el('button', { type: 'button', id: `download-${format}`, text: ui(`personal_download_${format}`) });
    // What is still being typed goes to the server first: the file holds it.
    button.addEventListener('click', () => downloadWithStatus(button, status, async () => {
      await ctx.settle();
      const me = ctx.me();
      return {
        url: `/api/sessions/${encodeURIComponent(ctx.code)}/personal-plan?format=${format}&step=${encodeURIComponent(ctx.step.id)}`,
        authorization: `Bearer ${me.id}:${me.secret}`,
        name: `min-trivsel-${ctx.code}.${format}`,
      };
    }));
    return button;
  });
  root.replaceChildren(
    ...parts.map((p) => p.node),
    el('section', { class: 'personal-tools' },
      share.row, shareNote,
      el('h2', { text: ui('personal_download_heading') }),
      el('div', { class: 'button-row' }, ...downloads), status),
  );
  return {
    update() {
      parts.forEach((p) => p.update());
      share.input.checked = ctx.planShared();
      const refused = ctx.error('act:share_plan');
      shareNote.classList.toggle('error', Boolean(refused));
      setText(shareNote, refused || ui(ctx.planShared() ? 'personal_shared' : 'personal_private'));
    },
  };
}

export function facilitator(root, ctx) {
  const status = el('p', { class: 'status', id: 'shared-plan-status', role: 'status' });
  const fetchPlan = (participant, format, button) => downloadWithStatus(button, status, () => ({
    url: `/api/sessions/${encodeURIComponent(ctx.code)}/personal-plan?format=${format}`
      + `&step=${encodeURIComponent(ctx.step.id)}&participant=${encodeURIComponent(participant)}`,
    authorization: `Bearer ${ctx.token}`,
    name: `min-trivsel-${ctx.code}-${participant}.${format}`,
  }));
  const list = el('div', { class: 'shared-plans', id: 'shared-plans', 'aria-live': 'polite' });
  const empty = el('p', { class: 'muted', text: ui('personal_none_shared') });
  root.replaceChildren(el('p', { class: 'muted small', text: ui('personal_fac_help') }), status, empty,
    el('div', { class: 'fac-scroll', tabindex: '0', role: 'region', 'aria-label': ui('personal_plans_region') }, list));
  return {
    update() {
      const shared = Array.isArray(ctx.activity()?.shared) ? ctx.activity().shared : [];
      empty.hidden = shared.length > 0;
      reconcile(list, shared, (s) => s.participant, (s) => {
        const buttons = ['docx', 'html'].map((format) => {
          const b = el('button', { type: 'button', class: 'quiet', 'data-format': format, text: ui(`personal_download_${format}`) });
          b.addEventListener('click', () => fetchPlan(s.participant, format, b));
          return b;
        });
        return el('article', { class: 'shared-plan', 'data-testid': 'shared-plan', 'data-participant': s.participant },
          el('h3', { class: 'plan-owner' }), el('div', { class: 'plan-areas' }), el('div', { class: 'button-row' }, ...buttons));
      }, (article, s, i) => {
        setText(article.querySelector('.plan-owner'), s.plan?.name || ui('participant_n', { n: i + 1 }));
        const areas = Array.isArray(s.plan?.areas) ? s.plan.areas : [];
        reconcile(article.querySelector('.plan-areas'), areas, (a, j) => j, () => el('section', {},
          el('h4'), el('p', { class: 'muted small' }), el('dl', {}, el('dt'), el('dd'), el('dt'), el('dd'))), (section, a) => {
          setText(section.querySelector('h4'), t(a.title));
          setText(section.querySelector('p'), t(a.prompt));
          const [dt1, dd1, dt2, dd2] = section.querySelector('dl').children;
          setText(dt1, ui('personal_work'));
          setText(dd1, a.work || '–');
          setText(dt2, ui('personal_first'));
          setText(dd2, a.first_step || '–');
        });
      });
    },
  };
}

// The projector shows the step's title and instruction only; nothing to add.
export function projector(root) {
  root.replaceChildren();
  return { update() {} };
}
