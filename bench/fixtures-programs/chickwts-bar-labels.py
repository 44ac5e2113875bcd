# chickwts: mean chick weight by feed, with value labels (ggplot2 theme_grey style), 800x600
import matplotlib.pyplot as plt

feeds = ['sunflower', 'casein', 'meatmeal', 'soybean', 'linseed', 'horsebean']
weight = [328.9167, 323.5833, 276.9091, 246.4286, 218.75, 160.2]

fig = plt.figure(figsize=(8, 6), dpi=100)
# panel in pixels: x 58..792, y 33..554
ax = fig.add_axes([58 / 800, 1 - 554 / 600, 734 / 800, 521 / 600])
ax.set_facecolor('#ebebeb')
for s in ax.spines.values():
    s.set_visible(False)
x = list(range(1, len(feeds) + 1))
ax.bar(x, weight, width=0.9, color='orange', zorder=2)
for xi, w in zip(x, weight):
    ax.text(xi, w + 1, f'{w:.0f}', ha='center', va='bottom', fontsize=11, zorder=3)
ax.set_xlim(0.4051, 6.6)
ax.set_ylim(-15.94, 345.03)
ax.set_yticks([0, 100, 200, 300])
ax.set_yticks([50, 150, 250], minor=True)
ax.set_xticks(x)
ax.set_xticklabels(feeds)
ax.grid(True, which='major', color='white', linewidth=1.0, zorder=0)
ax.grid(True, which='minor', axis='y', color='white', linewidth=0.5, zorder=0)
ax.set_axisbelow(True)
ax.tick_params(which='major', length=3, width=0.8, color='#333333', labelsize=8.8, labelcolor='#4d4d4d', pad=2.5)
ax.tick_params(which='minor', length=0)
ax.set_xlabel('Feed', fontsize=11, labelpad=1.5)
ax.set_ylabel('Weight (g)', fontsize=11, labelpad=4)
ax.set_title('Mean chick weight by feed (g)', fontsize=13.2, loc='left', pad=9)
