# WorldPhones: telephones (thousands) in three regions, 1951-1961 (ggplot2 lines with points), 800x600
import matplotlib.pyplot as plt

years = [1951, 1956, 1957, 1958, 1959, 1960, 1961]
phones = {
    'Asia': [2876, 4708, 5230, 6662, 6856, 8220, 9053],
    'Europe': [21574, 29990, 32510, 35218, 37598, 40341, 43173],
    'N.Amer': [45939, 60423, 64721, 68484, 71799, 76036, 79831],
}
colors = {'Asia': '#f8766d', 'Europe': '#00ba38', 'N.Amer': '#619cff'}

fig = plt.figure(figsize=(8, 6), dpi=100)
# panel in pixels: x 74..684, y 33..554
ax = fig.add_axes([74 / 800, 1 - 554 / 600, 610 / 800, 521 / 600])
ax.set_facecolor('#ebebeb')
for s in ax.spines.values():
    s.set_visible(False)
for region, values in phones.items():
    ax.plot(years, values, color=colors[region], linewidth=1.8, marker='o', markersize=4.5, label=region, zorder=3)
ax.set_xlim(1950.5, 1961.5)
ax.set_ylim(-809.7, 83563)
ax.set_xticks([1953, 1956, 1959])
ax.set_xticks([1951.5, 1954.5, 1957.5, 1960.5], minor=True)
ax.set_yticks([0, 20000, 40000, 60000, 80000])
ax.set_yticks([10000, 30000, 50000, 70000], minor=True)
ax.grid(True, which='major', color='white', linewidth=1.0, zorder=0)
ax.grid(True, which='minor', color='white', linewidth=0.5, zorder=0)
ax.set_axisbelow(True)
ax.tick_params(which='major', length=3, width=0.8, color='#333333', labelsize=8.8, labelcolor='#4d4d4d', pad=2.5)
ax.tick_params(which='minor', length=0)
ax.set_xlabel('Year', fontsize=11, labelpad=1.5)
ax.set_ylabel('Phones', fontsize=11, labelpad=4)
ax.set_title('Telephones (thousands)', fontsize=13.2, loc='left', pad=8.5)
leg = fig.legend(title='region', loc='upper left', bbox_to_anchor=(705 / 800, 1 - 247 / 600), frameon=True,
                 facecolor='#f2f2f2', edgecolor='none', fancybox=False, fontsize=8.8, title_fontsize=11,
                 handlelength=1.9, labelspacing=0.75, handletextpad=0.6, borderpad=0.2, borderaxespad=0)
leg._legend_box.align = 'left'
