/**
 * The widget image's SVG (src/media/widget-image.ts): the server's name (escaped and clipped), the online count
 * and each style's call to action, and initials when there is no icon.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initials, widgetSvg, WIDGET_STYLES } from '../../src/media/widget-image.ts';

describe('widget image', () => {
  it('carries the name and count, escaped; each style its own words', () => {
    const input = { name: 'Tom & Jerry <Club>', online: 1234, icon: null };
    for (const style of WIDGET_STYLES) {
      const svg = widgetSvg(style, input, null);
      assert.ok(!svg.includes('<Club>') && !svg.includes('& '), `${style} escapes the name`);
      if (style === 'shield') assert.match(svg, />1,234 online</);
      else {
        assert.match(svg, />1,234 Online</, style);
        assert.match(svg, /Tom &amp; Jerry &lt;/, style);
      }
    }
    assert.match(widgetSvg('banner1', input, null), /Join My Server/);
    assert.match(widgetSvg('banner2', input, null), /Chat now/);
    assert.match(widgetSvg('banner3', input, null), /Chat Now/);
    assert.match(widgetSvg('banner4', input, null), /JOIN MY SERVER!/);
  });
  it('clips a long name, and draws initials or the icon', () => {
    const svg = widgetSvg('banner1', { name: 'A'.repeat(40), online: 0, icon: null }, null);
    assert.match(svg, new RegExp(`>${'A'.repeat(17)}…<`));
    assert.equal(initials('Accord Hacking Club'), 'AHC');
    assert.equal(initials('  '), '?');
    assert.match(widgetSvg('banner2', { name: 'Accord Club', online: 2, icon: null }, null), />AC</);
    assert.match(widgetSvg('banner2', { name: 'Accord Club', online: 2, icon: null }, 'data:image/png;base64,AAAA'), /href="data:image\/png;base64,AAAA"/);
  });
});
